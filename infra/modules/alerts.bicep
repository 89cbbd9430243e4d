// What pages an operator: dead letters the deadLetter function is not draining, a backlog the send function is
// not working off, failing function executions, and 401/429 rates from the gateway's delivery outcome log.
//
// The delivery queries read the one JSON line the gateway logs per delivery outcome ({"event":"delivery",...}
// with notificationId, conversationId, tenantId, outcome, status, code, failureClass). The Functions Node
// worker does not turn log arguments into customDimensions, so the queries parse the message.

@description('Required. Region of the log search alert rules.')
param location string

@description('Optional. Tags for every alert resource.')
param tags object = {}

@description('Required. Prefix of every alert rule name (the Function App name and a dash).')
param namePrefix string

@description('Required. Action group name; created only when alertEmailAddresses is not empty.')
param actionGroupName string

@description('Optional. E-mail addresses the action group notifies.')
param alertEmailAddresses string[] = []

@description('Required. Service Bus namespace of the notifications queue.')
param serviceBusNamespaceName string

@description('Required. The notifications queue (the EntityName dimension of the Service Bus metrics).')
param queueName string

@description('Required. Application Insights component the app logs to.')
param applicationInsightsName string

@minValue(1)
@description('Optional. Active (ready, unscheduled) messages that, when never fewer for 15 minutes, mean a backlog.')
param backlogThreshold int = 500

@minValue(1)
@description('Optional. Failed executions of one function in 15 minutes (client 4xx answers excluded) that raise an alert.')
param functionFailureThreshold int = 5

@minValue(1)
@maxValue(100)
@description('Optional. Percent of delivery outcomes with status 401 in 15 minutes that raise an alert (the gateway already retried each once with a fresh token).')
param unauthorizedPercentThreshold int = 5

@minValue(1)
@maxValue(100)
@description('Optional. Percent of delivery outcomes with status 429 in 15 minutes that raise an alert (pacing is too fast for Teams).')
param throttledPercentThreshold int = 10

@minValue(1)
@description('Optional. Fewest delivery outcomes in the window before a percentage is judged, so one failure among three does not page.')
param minimumOutcomes int = 10

var hasActionGroup = !empty(alertEmailAddresses)

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (hasActionGroup) {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    enabled: true
    // Short name: at most 12 characters, shown in SMS and e-mail subjects.
    groupShortName: 'teamsgw'
    emailReceivers: [
      for (address, i) in alertEmailAddresses: {
        name: 'email-${i}'
        emailAddress: address
        useCommonAlertSchema: true
      }
    ]
  }
}

var metricAlertActions = hasActionGroup ? [{ actionGroupId: actionGroup.id }] : []
var logAlertActions = { actionGroups: hasActionGroup ? [actionGroup.id] : [] }
var queueDimension = [
  {
    name: 'EntityName'
    operator: 'Include'
    values: [queueName]
  }
]

// Multi-line strings take no interpolation, so the minimum sample is substituted.
var unauthorizedQuery = replace('''
traces
| where message startswith '{"event":"delivery"'
| extend d = parse_json(message)
| where isnotempty(tostring(d.outcome))
| summarize outcomes = count(), unauthorized = countif(toint(d.status) == 401)
| where outcomes >= MINIMUM_OUTCOMES
| extend unauthorizedPercent = 100.0 * unauthorized / outcomes
''', 'MINIMUM_OUTCOMES', string(minimumOutcomes))
var throttledQuery = replace('''
traces
| where message startswith '{"event":"delivery"'
| extend d = parse_json(message)
| where isnotempty(tostring(d.outcome))
| summarize outcomes = count(), throttled = countif(toint(d.status) == 429)
| where outcomes >= MINIMUM_OUTCOMES
| extend throttledPercent = 100.0 * throttled / outcomes
''', 'MINIMUM_OUTCOMES', string(minimumOutcomes))

// The deadLetter function drains $DeadLetterQueue; dead letters that stay for 15 minutes mean it is failing.
resource deadLettersWaiting 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${namePrefix}dead-letters-waiting'
  location: 'global'
  tags: tags
  properties: {
    description: 'Dead-lettered deliveries on ${queueName} are not being processed by the deadLetter function. Open the queue in Service Bus Explorer (Dead-letter tab) and the function\'s invocations.'
    severity: 2
    enabled: true
    scopes: [namespace.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'deadLetteredMessages'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          dimensions: queueDimension
          // Minimum over the window: never drained in 15 minutes, not a momentary blip.
          timeAggregation: 'Minimum'
          operator: 'GreaterThan'
          threshold: 0
        }
      ]
    }
    actions: metricAlertActions
  }
}

// Service Bus exposes no oldest-message age; a backlog that never shrinks below the threshold is the signal.
resource backlog 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${namePrefix}queue-backlog'
  location: 'global'
  tags: tags
  properties: {
    description: 'More than ${backlogThreshold} deliveries have been waiting on ${queueName} for 15 minutes: the send function is not keeping up or not running.'
    severity: 2
    enabled: true
    scopes: [namespace.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'activeMessages'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          // Active excludes scheduled retries, which wait on purpose.
          metricName: 'ActiveMessages'
          dimensions: queueDimension
          timeAggregation: 'Minimum'
          operator: 'GreaterThan'
          threshold: backlogThreshold
        }
      ]
    }
    actions: metricAlertActions
  }
}

resource functionFailures 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${namePrefix}function-failures'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: '${namePrefix}function-failures'
    description: 'A function failed more than ${functionFailureThreshold} times in 15 minutes (4xx answers to callers are not failures).'
    severity: 2
    enabled: true
    scopes: [applicationInsights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: '''
requests
| where success == false and not(resultCode startswith "4")
| summarize failures = count() by operation_Name
'''
          timeAggregation: 'Total'
          metricMeasureColumn: 'failures'
          dimensions: [
            {
              name: 'operation_Name'
              operator: 'Include'
              values: ['*']
            }
          ]
          operator: 'GreaterThan'
          threshold: functionFailureThreshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: logAlertActions
  }
}

resource unauthorizedRate 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${namePrefix}delivery-401-rate'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: '${namePrefix}delivery-401-rate'
    description: 'More than ${unauthorizedPercentThreshold}% of deliveries ended in 401 after a retry with a fresh token: check MicrosoftAppId/MicrosoftAppTenantId, the bot identity and the Azure Bot registration.'
    severity: 1
    enabled: true
    scopes: [applicationInsights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: unauthorizedQuery
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'unauthorizedPercent'
          operator: 'GreaterThan'
          threshold: unauthorizedPercentThreshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: logAlertActions
  }
}

resource throttledRate 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${namePrefix}delivery-429-rate'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: '${namePrefix}delivery-429-rate'
    description: 'More than ${throttledPercentThreshold}% of delivery attempts were throttled (429) by Teams: lower PerTenantRequestsPerSecond (the per-tenant budget every instance shares).'
    severity: 3
    enabled: true
    scopes: [applicationInsights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: throttledQuery
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'throttledPercent'
          operator: 'GreaterThan'
          threshold: throttledPercentThreshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: logAlertActions
  }
}

output alertRuleNames string[] = [
  deadLettersWaiting.name
  backlog.name
  functionFailures.name
  unauthorizedRate.name
  throttledRate.name
]
