// Only for SingleTenant bots: the client secret lives here and the app reads it through a Key Vault reference
// (MicrosoftAppPassword = @Microsoft.KeyVault(...)), so it never appears in app settings or deployment output.

@minLength(3)
@maxLength(24)
@description('Required. Key Vault name.')
param name string

@description('Required. Region of the vault.')
param location string

@description('Optional. Tags for the vault.')
param tags object = {}

@secure()
@description('Required. The bot app registration\'s client secret.')
param botAppPassword string

@description('Optional. Name of the secret that holds it.')
param secretName string = 'MicrosoftAppPassword'

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Azure RBAC only (no access policies): the app gets Key Vault Secrets User on this one secret.
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }

  resource secret 'secrets' = {
    name: secretName
    properties: {
      value: botAppPassword
      contentType: 'text/plain'
    }
  }
}

output name string = vault.name
output secretName string = vault::secret.name
// Versionless, so a rotated secret is picked up without redeploying.
output secretUri string = vault::secret.properties.secretUri
