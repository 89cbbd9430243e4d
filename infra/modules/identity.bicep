// The gateway's one identity: the Function App runs as it (storage, Service Bus, Application Insights,
// Key Vault) and, for UserAssignedMSI, it is also the bot (its client id is MicrosoftAppId).

@description('Required. Name of the user-assigned managed identity.')
param name string

@description('Required. Region of the identity.')
param location string

@description('Optional. Tags for the identity.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output resourceId string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
output name string = identity.name
