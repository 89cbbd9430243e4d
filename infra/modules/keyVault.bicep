// The gateway's secrets: a SingleTenant bot's client secret and the status-callback signing secret, each only
// when used. The app reads them through Key Vault references (MicrosoftAppPassword, CallbackSigningSecret =
// @Microsoft.KeyVault(...)), so they never appear in app settings or deployment output.

@minLength(3)
@maxLength(24)
@description('Required. Key Vault name.')
param name string

@description('Required. Region of the vault.')
param location string

@description('Optional. Tags for the vault.')
param tags object = {}

@secure()
@description('Optional. The bot app registration\'s client secret (SingleTenant), stored when secretName is given.')
param botAppPassword string = ''

@description('Optional. Name of the secret that holds it; empty: no client secret is stored.')
param secretName string = ''

@secure()
@description('Optional. The key status callbacks are signed with (CallbackSigningSecret), stored when callbackSecretName is given.')
param callbackSigningSecret string = ''

@description('Optional. Name of the secret that holds it; empty: no callback secret is stored.')
param callbackSecretName string = ''

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
    // then `azd up` of the same environment fails. The vault holds secrets that can be re-issued (the client
    // secret in Entra, the callback secret by the operator), so an irrecoverable purge loses nothing. Once on, Azure never turns it off (null leaves it as is).
    enablePurgeProtection: purgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }

  resource secret 'secrets' = if (!empty(secretName)) {
    name: secretName
    properties: {
      value: botAppPassword
      contentType: 'text/plain'
    }
  }

  resource callbackSecret 'secrets' = if (!empty(callbackSecretName)) {
    name: callbackSecretName
    properties: {
      value: callbackSigningSecret
      contentType: 'text/plain'
    }
  }
}

output name string = vault.name
// Versionless, so a rotated secret is picked up without redeploying; empty when that secret is not stored.
output secretUri string = empty(secretName) ? '' : vault::secret!.properties.secretUri
output callbackSecretUri string = empty(callbackSecretName) ? '' : vault::callbackSecret!.properties.secretUri
