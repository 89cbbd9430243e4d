// Every role assignment in one place, each named guid(scope.id, principalId, roleId) so a redeploy finds the
// same assignment instead of failing on a duplicate. Only what the app uses, on the narrowest scope that works.

@description('Required. Principal (object) id of the app\'s user-assigned identity.')
param principalId string

@description('Required. Storage account with AzureWebJobsStorage, the deployment container and the tables.')
param storageAccountName string

@description('Required. Service Bus namespace of the notifications queue.')
param serviceBusNamespaceName string

@description('Required. The notifications queue; the Service Bus roles are scoped to it, not the namespace.')
param queueName string

@description('Required. Application Insights component the app sends telemetry to with Entra auth.')
param applicationInsightsName string

@description('Optional. Key Vault with the gateway\'s secrets; empty when none is stored.')
param keyVaultName string = ''

@description('Optional. Name of the SingleTenant client secret in it; empty for UserAssignedMSI. The app may read only the secrets named here.')
param botPasswordSecretName string = ''

@description('Optional. Name of the status-callback signing secret in it; empty when callbacks are off.')
param callbackSecretName string = ''

@description('Optional. Also grant Azure Service Bus Data Owner on the queue, for queue-length based scaling.')
param grantQueueOwnerForScaling bool = true

@description('Optional. Object id of an operator who may read tables and peek the queue and dead letters in the portal.')
param operatorPrincipalId string = ''

@allowed(['User', 'Group', 'ServicePrincipal'])
@description('Optional. Kind of principal operatorPrincipalId is.')
param operatorPrincipalType string = 'User'

// Built-in role definition ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
// Functions runtime: AzureWebJobsStorage blobs (host locks, keys) and the Flex deployment package container.
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
// Gateway data: conversations, index, notifications and deliveries tables.
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
// Operator: read the tables in the portal's storage browser.
var storageTableDataReader = '76199698-9eea-4c19-bc75-cec21354c6b6'
// notifications API enqueues; send and deadLetter reschedule and dead-letter deliveries.
var serviceBusDataSender = '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
// send and deadLetter triggers (the queue and its $DeadLetterQueue); operator peeks in Service Bus Explorer.
var serviceBusDataReceiver = '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
// Target-based scaling: the Flex Consumption scaler reads the queue's runtime properties (message counts) as the
// app's identity, and Service Bus serves them only with the Manage right, which only Data Owner carries. Without
// it the scaler falls back to peeking messages and under-counts a backlog (azure-functions-host issue #8892).
var serviceBusDataOwner = '090c5cfd-751d-490a-894a-3ce6f1109419'
// Application Insights ingestion with Entra auth (DisableLocalAuth is on).
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'
// SingleTenant only: read the client secret behind the MicrosoftAppPassword Key Vault reference.
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

var hasOperator = !empty(operatorPrincipalId)
var hasKeyVault = !empty(keyVaultName)
var hasBotSecret = hasKeyVault && !empty(botPasswordSecretName)
var hasCallbackSecret = hasKeyVault && !empty(callbackSecretName)

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName

  resource queue 'queues' existing = {
    name: queueName
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = if (hasKeyVault) {
  name: hasKeyVault ? keyVaultName : 'unused'

  resource secret 'secrets' existing = {
    name: hasBotSecret ? botPasswordSecretName : 'unused'
  }

  resource callbackSecret 'secrets' existing = {
    name: hasCallbackSecret ? callbackSecretName : 'unused'
  }
}

resource appBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource appTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource appQueueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(namespace::queue.id, principalId, serviceBusDataSender)
  scope: namespace::queue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', serviceBusDataSender)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource appQueueReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(namespace::queue.id, principalId, serviceBusDataReceiver)
  scope: namespace::queue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', serviceBusDataReceiver)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource appQueueOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantQueueOwnerForScaling) {
  name: guid(namespace::queue.id, principalId, serviceBusDataOwner)
  scope: namespace::queue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', serviceBusDataOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource appTelemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, principalId, monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource appSecretUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (hasBotSecret) {
  name: guid(vault::secret.id, principalId, keyVaultSecretsUser)
  scope: vault::secret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource appCallbackSecretUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (hasCallbackSecret) {
  name: guid(vault::callbackSecret.id, principalId, keyVaultSecretsUser)
  scope: vault::callbackSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource operatorTableReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (hasOperator) {
  name: guid(storage.id, operatorPrincipalId, storageTableDataReader)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataReader)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
  }
}

resource operatorQueueReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (hasOperator) {
  name: guid(namespace::queue.id, operatorPrincipalId, serviceBusDataReceiver)
  scope: namespace::queue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', serviceBusDataReceiver)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
  }
}
