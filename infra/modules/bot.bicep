// The Azure Bot registration: ties the bot identity to the gateway's /api/messages and enables Teams.

@minLength(2)
@maxLength(64)
@description('Required. Bot resource name (its handle).')
param name string

@description('Required. Display name in the portal.')
param displayName string

@description('Optional. Tags for the bot.')
param tags object = {}

@allowed(['F0', 'S1'])
@description('Optional. Pricing tier.')
param skuName string = 'S1'

@description('Required. HTTPS messaging endpoint, https://<app host>/api/messages.')
param messagingEndpoint string

@allowed(['UserAssignedMSI', 'SingleTenant'])
@description('Required. msaAppType.')
param appType string

@description('Required. msaAppId: the identity\'s client id (UserAssignedMSI) or the app registration\'s (SingleTenant).')
param appId string

@description('Required. msaAppTenantId: tenant of the bot identity.')
param tenantId string

@description('Optional. UserAssignedMSI only: resource id of the identity that is the bot.')
param identityResourceId string = ''

@allowed(['public', 'gcc', 'gccHigh', 'dod'])
@description('Optional. Teams cloud; GCC tenants need the Teams channel\'s GCC Moderate deployment environment, GCC High and DoD a bot registered in Azure Government.')
param teamsCloud string = 'public'

var isManagedIdentity = appType == 'UserAssignedMSI'
var channelEnvironments = {
  public: 'CommercialDeployment'
  gcc: 'GCCModerateDeployment'
}

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: name
  // Bot registrations are global; the messaging endpoint decides where traffic goes.
  location: 'global'
  tags: tags
  kind: 'azurebot'
  sku: {
    name: skuName
  }
  properties: {
    displayName: displayName
    endpoint: messagingEndpoint
    msaAppId: appId
    msaAppType: appType
    msaAppTenantId: tenantId
    msaAppMSIResourceId: isManagedIdentity ? identityResourceId : null
    // No Direct Line / Web Chat secrets: channels authenticate with Entra tokens only (Teams always does).
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }

  resource teams 'channels' = {
    name: 'MsTeamsChannel'
    location: 'global'
    properties: {
      channelName: 'MsTeamsChannel'
      properties: {
        isEnabled: true
        enableCalling: false
        // Public Azure's Teams channel serves commercial Teams or, with GCCModerateDeployment, GCC. GCC High and
        // DoD are served by the Teams channel of a bot registered in Azure Government, where the property has no
        // value to set (main.bicep deploys this module for them only there).
        deploymentEnvironment: channelEnvironments[?teamsCloud]
      }
    }
  }
}

output name string = bot.name
output appId string = bot.properties.msaAppId
output messagingEndpoint string = bot.properties.endpoint
