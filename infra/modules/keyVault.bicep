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

@description('Optional. Turn on purge protection (irreversible). Then a deleted environment keeps the vault name for 7 days: redeploy with another keyVaultName.')
param purgeProtection bool = false

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
    // Soft delete cannot be turned off; the shortest retention frees the name soonest after a delete.
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    // No purge protection by default: it keeps a deleted vault's name for the whole retention, so `azd down`
    // then `azd up` of the same environment fails. The vault holds one client secret that can be re-issued in
    // Entra, so an irrecoverable purge loses nothing. Once on, Azure never turns it off (null leaves it as is).
    enablePurgeProtection: purgeProtection ? true : null
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
