// The Teams proactive-notification gateway: Function App (Flex Consumption) with a user-assigned identity,
// Table Storage, a Service Bus queue, an Azure Bot with the Teams channel, and what an operator needs in the
// portal (Application Insights, alerts, a deliveries workbook). No keys or connection strings anywhere.
targetScope = 'subscription'

import { queueSettingsType } from 'modules/serviceBus.bicep'

// ---------------------------------------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------------------------------------

@minLength(1)
@maxLength(64)
@description('Required. Name of the environment (azd env name); it seeds the unique token in every resource name.')
param environmentName string

// Regions offering Flex Consumption, as Microsoft's azd Flex templates list them (Azure-Samples/
// functions-quickstart-typescript-azd); `az functionapp list-flexconsumption-locations` gives today's list. A
// region without Flex then fails before anything is created, and azd offers only these.
@minLength(1)
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'eastus2euap'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@description('Required. Region for every regional resource. Must offer Flex Consumption.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Optional. Resource group to create and deploy into. Default: rg-<environmentName>.')
param resourceGroupName string = ''

// ---------------------------------------------------------------------------------------------------------
// Names (every one overridable; defaults follow the Cloud Adoption Framework abbreviations)
// ---------------------------------------------------------------------------------------------------------

@description('Optional. Function App name. Default: func-<token>.')
param functionAppName string = ''

@description('Optional. Flex Consumption plan name. Default: plan-<token>.')
param appServicePlanName string = ''

@description('Optional. User-assigned managed identity name (the app\'s identity and, for UserAssignedMSI, the bot\'s). Default: id-<token>.')
param userAssignedIdentityName string = ''

@description('Optional. Storage account name (3-24 lowercase letters and digits). Default: st<token>.')
param storageAccountName string = ''

@description('Optional. Service Bus namespace name. Default: sb-<token>.')
param serviceBusNamespaceName string = ''

@description('Optional. Azure Bot resource name (also its handle). Default: bot-<token>.')
param botName string = ''

@description('Optional. Log Analytics workspace name. Default: log-<token>.')
param logAnalyticsName string = ''

@description('Optional. Application Insights name. Default: appi-<token>.')
param applicationInsightsName string = ''

@description('Optional. Key Vault name, created only when a secret needs it (a SingleTenant client secret, the callback signing secret). Default: kv-<token>.')
param keyVaultName string = ''

@description('Optional. Purge protection on that Key Vault (irreversible). Off by default so `azd down --purge` then `azd up` can reuse the name; turn on where policy requires it and pick a new keyVaultName after each delete.')
param keyVaultPurgeProtection bool = false

@description('Optional. Action group name for alert notifications. Default: ag-<token>.')
param actionGroupName string = ''

// ---------------------------------------------------------------------------------------------------------
// Function App
// ---------------------------------------------------------------------------------------------------------

@description('Optional. Node.js major version on Flex Consumption. Node 20 left support in April 2026; 22 is the LTS Flex offers.')
param nodeVersion string = '22'

@allowed([512, 2048, 4096])
@description('Optional. Memory of each Flex Consumption instance in MB.')
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Optional. Most instances per function group. Each tenant\'s Teams budget is shared by all instances, so more instances only help when many tenants are busy at once; the README (Tuning and limits) explains the default.')
param maximumInstanceCount int = 10

// ---------------------------------------------------------------------------------------------------------
// Status callbacks
// ---------------------------------------------------------------------------------------------------------

@description('Optional. CallbackAllowedHosts: the hosts a request\'s status callback may name, comma-separated (`*.contoso.com` for subdomains). Empty: status callbacks are off. Private, loopback and link-local receivers are never allowed in Azure.')
param callbackAllowedHosts string = ''

@secure()
@description('Optional. Required with callbackAllowedHosts: the key callbacks are signed with (at least 32 characters). Written to Key Vault; the app reads it through a Key Vault reference.')
param callbackSigningSecret string = ''

// ---------------------------------------------------------------------------------------------------------
// Bot identity
// ---------------------------------------------------------------------------------------------------------

@allowed(['UserAssignedMSI', 'SingleTenant'])
@description('Optional. Bot identity kind. UserAssignedMSI: the bot is the managed identity, no secret exists. SingleTenant: an Entra app registration (botAppId) with a client secret kept in Key Vault. (Multi-tenant bots can no longer be created.)')
param botAppType string = 'UserAssignedMSI'

@description('Optional. For SingleTenant only: the Entra app registration\'s application (client) id. Ignored for UserAssignedMSI, where the identity\'s client id is the bot\'s app id.')
param botAppId string = ''

@secure()
@description('Optional. For SingleTenant only: the app registration\'s client secret. Written to Key Vault; the app reads it through a Key Vault reference.')
param botAppPassword string = ''

@description('Optional. For SingleTenant only: the Entra tenant of that app registration. Default: the deployment\'s tenant. Required for a GCC High or DoD bot deployed outside Azure Government (its registration lives in the Azure Government tenant).')
param botAppTenantId string = ''

@minLength(1)
@maxLength(42)
@description('Optional. Display name of the bot in the Azure portal.')
param botDisplayName string = 'Notification Gateway'

@allowed(['F0', 'S1'])
@description('Optional. Azure Bot pricing tier. Teams is a standard channel (no per-message charge on either); S1 carries the SLA.')
param botSku string = 'S1'

@allowed(['public', 'gcc', 'gccHigh', 'dod'])
@description('Optional. Teams cloud of the tenants served: picks token endpoints and trusted Bot Connector hosts in the app (TeamsCloud) and the Teams channel\'s deployment environment.')
param teamsCloud string = 'public'

// ---------------------------------------------------------------------------------------------------------
// Messaging and delivery
// ---------------------------------------------------------------------------------------------------------

@allowed(['', 'Standard', 'Premium'])
@description('Optional. Service Bus tier. Default: Standard (the least that offers sessions, duplicate detection and scheduled messages), or Premium with vnetEnabled, since only Premium takes private endpoints.')
param serviceBusSku string = ''

@description('Optional. Settings of the notifications queue; see the queueSettingsType fields for why each default was chosen.')
param notificationsQueueSettings queueSettingsType = {
  // Longer than one delivery can take (token + two 20 s Connector calls after a 401 + table writes, < 60 s),
  // so a healthy send never races its lock; short enough that a crashed instance frees the session in a minute.
  // The host renews the lock up to maxAutoLockRenewalDuration (host.json, 5 min) for slower sends.
  lockDuration: 'PT1M'
  // Crash retries only: the gateway reschedules its own retries as new messages. A message that took the
  // worker down five times is poison and goes to the dead-letter queue (MaxDeliveryCountExceeded).
  maxDeliveryCount: 5
  // A notification not delivered within a day is stale; expiry dead-letters it so it is still accounted for.
  defaultMessageTimeToLive: 'P1D'
  // Covers a caller's retries of the same POST; each retry attempt has its own messageId, so it is never dropped.
  duplicateDetectionHistoryTimeWindow: 'PT1H'
}

@minValue(1)
@maxValue(100)
@description('Optional. DeliveryMaxAttempts: attempts before a retryable failure is dead-lettered as RetriesExhausted. Same default as the code.')
param deliveryMaxAttempts int = 8

@minValue(1)
@maxValue(120000)
@description('Optional. DeliveryRequestTimeoutMs: timeout of one Bot Connector request. Same default as the code; keep it well under the queue lock duration.')
param deliveryRequestTimeoutMs int = 20000

@minValue(1)
@maxValue(1000)
@description('Optional. PerTenantRequestsPerSecond: the per-tenant ceiling all instances share (Teams allows 50 per second per bot per tenant; a 429 lowers it for a while). Same default as the code.')
param perTenantRequestsPerSecond int = 50

// ---------------------------------------------------------------------------------------------------------
// Private network
// ---------------------------------------------------------------------------------------------------------

@description('Optional. Private-network mode: a virtual network, private endpoints and DNS zones for Storage (blob, table) and Service Bus, their public endpoints off, and the app integrated with the network. Needs Service Bus Premium.')
param vnetEnabled bool = false

@description('Optional. Virtual network name (vnetEnabled only). Default: vnet-<token>.')
param virtualNetworkName string = ''

// ---------------------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------------------

@minValue(30)
@maxValue(730)
@description('Optional. Log Analytics retention in days.')
param logRetentionInDays int = 30

@description('Optional. E-mail addresses that alerts notify. Empty: alerts fire in the portal only, and the deployment says so (output ALERTS_NOTIFY, azd postprovision warning).')
param alertEmailAddresses string[] = []

@description('Optional. Entra object id of a person or group who operates the gateway: gets read access to the tables and may peek the queue and its dead letters in the portal. Empty: none.')
param operatorPrincipalId string = ''

@allowed(['User', 'Group', 'ServicePrincipal'])
@description('Optional. Kind of principal operatorPrincipalId is.')
param operatorPrincipalType string = 'User'

@description('Optional. Grant the app Azure Service Bus Data Owner on the queue (on by default). The Flex Consumption scaler reads the queue\'s message counts, which needs the Manage right; without it the scaler falls back to a peek estimate and the send function scales out late under a backlog.')
param grantQueueOwnerForScaling bool = true

// ---------------------------------------------------------------------------------------------------------
// Names shared with the code (shared/resourceNames.ts); test/unit/infra checks they agree.
// ---------------------------------------------------------------------------------------------------------

var notificationsQueueName = 'notifications'
var gatewayTableNames = [
  'conversations'
  'conversationIndex'
  'notifications'
  'deliveries'
  'dueChecks'
  'tenantBudgets'
]

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var isSingleTenant = botAppType == 'SingleTenant'

// Service Bus takes private endpoints only on Premium: private-network mode picks it unless told otherwise, and
// refuses an explicit Standard rather than leave the queue public.
var effectiveServiceBusSku = !empty(serviceBusSku) ? serviceBusSku : vnetEnabled ? 'Premium' : 'Standard'
var serviceBusTier = vnetEnabled && effectiveServiceBusSku != 'Premium'
  ? fail('vnetEnabled needs serviceBusSku Premium: Service Bus Standard has no private endpoints.')
  : effectiveServiceBusSku == 'Premium' ? 'Premium' : 'Standard'

// GCC High and DoD Teams reach only bots registered in Azure Government, with an identity of its Entra cloud.
// Deployed there, the Azure Bot below serves them; deployed in public Azure, the gateway runs here and the bot
// is registered in Azure Government by hand (output BOT_REGISTRATION), with a SingleTenant app registration.
var isGovernmentTeams = teamsCloud == 'gccHigh' || teamsCloud == 'dod'
var deployBot = !isGovernmentTeams || environment().name == 'AzureUSGovernment'
var botTenantId = !deployBot && !isSingleTenant
  ? fail('teamsCloud ${teamsCloud} outside Azure Government needs botAppType SingleTenant: an app registration in the Azure Government tenant (botAppId, botAppPassword, botAppTenantId). A managed identity of this cloud cannot be its bot.')
  : !deployBot && empty(botAppTenantId)
      ? fail('teamsCloud ${teamsCloud} outside Azure Government needs botAppTenantId: the Azure Government tenant of the bot\'s app registration.')
      : isSingleTenant && !empty(botAppTenantId) ? botAppTenantId : tenant().tenantId
var messagingEndpoint = '${functionApp.outputs.uri}/api/messages'
var botPasswordSecretName = 'MicrosoftAppPassword'
var callbacksEnabled = !empty(callbackAllowedHosts)
var callbackSecretName = 'CallbackSigningSecret'
// The vault exists only when a secret needs it.
var needsKeyVault = isSingleTenant || callbacksEnabled

var names = {
  resourceGroup: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  functionApp: !empty(functionAppName) ? functionAppName : '${abbrs.webSitesFunctions}${resourceToken}'
  plan: !empty(appServicePlanName) ? appServicePlanName : '${abbrs.webServerFarms}${resourceToken}'
  identity: !empty(userAssignedIdentityName) ? userAssignedIdentityName : '${abbrs.managedIdentityUserAssignedIdentities}${resourceToken}'
  storage: !empty(storageAccountName) ? storageAccountName : '${abbrs.storageStorageAccounts}${resourceToken}'
  serviceBus: !empty(serviceBusNamespaceName) ? serviceBusNamespaceName : '${abbrs.serviceBusNamespaces}${resourceToken}'
  bot: !empty(botName) ? botName : '${abbrs.botServicesBot}${resourceToken}'
  logAnalytics: !empty(logAnalyticsName) ? logAnalyticsName : '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
  applicationInsights: !empty(applicationInsightsName) ? applicationInsightsName : '${abbrs.insightsComponents}${resourceToken}'
  keyVault: !empty(keyVaultName) ? keyVaultName : '${abbrs.keyVaultVaults}${resourceToken}'
  actionGroup: !empty(actionGroupName) ? actionGroupName : '${abbrs.insightsActionGroups}${resourceToken}'
  virtualNetwork: !empty(virtualNetworkName) ? virtualNetworkName : '${abbrs.networkVirtualNetworks}${resourceToken}'
}
// The Flex deployment container holds the app package; one per app so two apps never share a package.
var deploymentContainerName = toLower('app-package-${take(names.functionApp, 32)}-${take(resourceToken, 7)}')

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    tableNames: gatewayTableNames
    privateOnly: vnetEnabled
  }
}

module serviceBus 'modules/serviceBus.bicep' = {
  name: 'serviceBus'
  scope: rg
  params: {
    name: names.serviceBus
    location: location
    tags: tags
    skuName: serviceBusTier
    queueName: notificationsQueueName
    queueSettings: notificationsQueueSettings
    privateOnly: vnetEnabled
  }
}

module keyVault 'modules/keyVault.bicep' = if (needsKeyVault) {
  name: 'keyVault'
  scope: rg
  params: {
    name: names.keyVault
    location: location
    tags: tags
    botAppPassword: isSingleTenant ? botAppPassword : ''
    secretName: isSingleTenant ? botPasswordSecretName : ''
    callbackSigningSecret: callbacksEnabled ? callbackSigningSecret : ''
    callbackSecretName: callbacksEnabled ? callbackSecretName : ''
    purgeProtection: keyVaultPurgeProtection
  }
}

// Names (not module outputs) are passed on below so what-if can predict the resources; dependsOn says the order.
module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  dependsOn: [storage, serviceBus, monitoring, keyVault]
  params: {
    // A new identity's principal id exists only at deployment time; what-if shows its assignments as unknown.
    #disable-next-line what-if-short-circuiting
    principalId: identity.outputs.principalId
    storageAccountName: names.storage
    serviceBusNamespaceName: names.serviceBus
    queueName: notificationsQueueName
    applicationInsightsName: names.applicationInsights
    keyVaultName: needsKeyVault ? names.keyVault : ''
    botPasswordSecretName: isSingleTenant ? botPasswordSecretName : ''
    callbackSecretName: callbacksEnabled ? callbackSecretName : ''
    grantQueueOwnerForScaling: grantQueueOwnerForScaling
    operatorPrincipalId: operatorPrincipalId
    operatorPrincipalType: operatorPrincipalType
  }
}

var privateEndpointSubnetName = 'private-endpoints'

module network 'modules/network.bicep' = if (vnetEnabled) {
  name: 'network'
  scope: rg
  params: {
    name: names.virtualNetwork
    location: location
    tags: tags
    privateEndpointSubnetName: privateEndpointSubnetName
  }
}

// Private endpoints the app reaches Storage and Service Bus through, each with the DNS zone that resolves the
// resource's usual host name to it. Service Bus's host suffix follows the cloud's storage one (core.windows.net,
// servicebus.windows.net; core.usgovcloudapi.net, servicebus.usgovcloudapi.net), which environment() lacks.
var storageSuffix = environment().suffixes.storage
var serviceBusSuffix = 'servicebus.${substring(storageSuffix, indexOf(storageSuffix, '.') + 1)}'
var storageId = resourceId(subscription().subscriptionId, names.resourceGroup, 'Microsoft.Storage/storageAccounts', names.storage)
var serviceBusId = resourceId(subscription().subscriptionId, names.resourceGroup, 'Microsoft.ServiceBus/namespaces', names.serviceBus)
var privateEndpoints = [
  { target: names.storage, targetId: storageId, groupId: 'blob', dnsZoneName: 'privatelink.blob.${storageSuffix}' }
  { target: names.storage, targetId: storageId, groupId: 'table', dnsZoneName: 'privatelink.table.${storageSuffix}' }
  { target: names.serviceBus, targetId: serviceBusId, groupId: 'namespace', dnsZoneName: 'privatelink.${serviceBusSuffix}' }
]

module privateEndpoint 'modules/privateEndpoint.bicep' = [
  for endpoint in privateEndpoints: if (vnetEnabled) {
    name: 'privateEndpoint-${endpoint.groupId}'
    scope: rg
    dependsOn: [network, storage, serviceBus]
    params: {
      name: '${abbrs.networkPrivateEndpoints}${endpoint.target}-${endpoint.groupId}'
      location: location
      tags: tags
      virtualNetworkName: names.virtualNetwork
      subnetName: privateEndpointSubnetName
      targetResourceId: endpoint.targetId
      groupId: endpoint.groupId
      dnsZoneName: endpoint.dnsZoneName
    }
  }
]

module functionApp 'modules/functionApp.bicep' = {
  name: 'functionApp'
  scope: rg
  // The host reads its storage and queues at start-up: give it its roles (and, in private-network mode, its
  // private endpoints) first.
  dependsOn: [rbac, storage, serviceBus, monitoring, privateEndpoint]
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: union(tags, { 'azd-service-name': 'api' })
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    storageAccountName: names.storage
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: names.applicationInsights
    serviceBusNamespaceName: names.serviceBus
    nodeVersion: nodeVersion
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    botAppType: botAppType
    botAppId: isSingleTenant ? botAppId : identity.outputs.clientId
    botTenantId: botTenantId
    botPasswordSecretUri: isSingleTenant ? keyVault!.outputs.secretUri : ''
    callbackAllowedHosts: callbackAllowedHosts
    callbackSecretUri: callbacksEnabled ? keyVault!.outputs.callbackSecretUri : ''
    teamsCloud: teamsCloud
    deliveryMaxAttempts: deliveryMaxAttempts
    deliveryRequestTimeoutMs: deliveryRequestTimeoutMs
    perTenantRequestsPerSecond: perTenantRequestsPerSecond
    subnetId: vnetEnabled ? network!.outputs.appSubnetId : ''
  }
}

module bot 'modules/bot.bicep' = if (deployBot) {
  name: 'bot'
  scope: rg
  params: {
    name: names.bot
    displayName: botDisplayName
    tags: tags
    skuName: botSku
    messagingEndpoint: messagingEndpoint
    appType: botAppType
    appId: isSingleTenant ? botAppId : identity.outputs.clientId
    tenantId: botTenantId
    identityResourceId: isSingleTenant ? '' : identity.outputs.resourceId
    teamsCloud: teamsCloud
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  dependsOn: [serviceBus, monitoring]
  params: {
    location: location
    tags: tags
    actionGroupName: names.actionGroup
    alertEmailAddresses: alertEmailAddresses
    serviceBusNamespaceName: names.serviceBus
    queueName: notificationsQueueName
    applicationInsightsName: names.applicationInsights
    namePrefix: '${names.functionApp}-'
  }
}

module workbook 'modules/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  dependsOn: [monitoring]
  params: {
    location: location
    tags: tags
    applicationInsightsName: names.applicationInsights
    displayName: 'Teams notification deliveries (${environmentName})'
  }
}

// Outputs azd stores in .azure/<env>/.env; appPackage/buildAppPackage.mjs reads BOT_APP_ID and API_HOST.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output SERVICE_API_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output API_HOST string = functionApp.outputs.hostName
output API_BASE_URL string = functionApp.outputs.uri
output BOT_MESSAGING_ENDPOINT string = messagingEndpoint
output NOTIFICATIONS_ENDPOINT string = '${functionApp.outputs.uri}/api/notifications'
output BOT_NAME string = deployBot ? bot!.outputs.name : ''
output BOT_APP_ID string = isSingleTenant ? botAppId : identity.outputs.clientId
output BOT_REGISTRATION string = deployBot
  ? 'Azure Bot ${names.bot} with the Teams channel'
  : 'Register an Azure Bot in Azure Government (portal.azure.us) for app ${botAppId} with messaging endpoint ${messagingEndpoint} and the Microsoft Teams channel'
output BOT_APP_TYPE string = botAppType
output MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
output SERVICE_BUS_NAMESPACE string = serviceBus.outputs.name
output SERVICE_BUS_QUEUE string = serviceBus.outputs.queueName
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output DELIVERIES_WORKBOOK_ID string = workbook.outputs.resourceId
// Alerts without an address only show in the portal: said here and, after `azd provision`, by the postprovision
// hook (scripts/reportAlertRecipients.mjs), so an unwatched deployment does not look watched.
output ALERT_RECIPIENT_COUNT int = length(alertEmailAddresses)
output ALERTS_NOTIFY string = empty(alertEmailAddresses)
  ? 'nobody: the alert rules fire in the portal only; set alertEmailAddresses (azd: ALERT_EMAIL_ADDRESSES)'
  : join(alertEmailAddresses, ', ')
