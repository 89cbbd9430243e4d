// Flex Consumption plan and Function App running as the user-assigned identity, with every app setting the
// gateway reads in Azure. Identity-based connections only: no connection string and no key is ever set.

@description('Required. Function App name.')
param name string

@description('Required. Flex Consumption plan name.')
param planName string

@description('Required. Region of the plan and the app.')
param location string

@description('Optional. Tags for the plan and the app (azd finds the app by azd-service-name).')
param tags object = {}

@description('Required. Resource id of the user-assigned identity the app runs as.')
param identityResourceId string

@description('Required. Client id of that identity; the __clientId settings name it so the runtime and SDK clients pick it.')
param identityClientId string

@description('Required. Storage account for AzureWebJobsStorage, the deployment container and the tables.')
param storageAccountName string

@description('Required. Blob container the app package is deployed to.')
param deploymentContainerName string

@description('Required. Application Insights component (Entra ingestion).')
param applicationInsightsName string

@description('Required. Service Bus namespace of the notifications queue.')
param serviceBusNamespaceName string

@description('Optional. Subnet the app integrates with (private-network mode); empty: no virtual network.')
param subnetId string = ''

@description('Optional. Node.js major version.')
param nodeVersion string = '22'

@allowed([512, 2048, 4096])
@description('Optional. Instance memory in MB.')
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Optional. Most instances per function group.')
param maximumInstanceCount int = 10

@allowed(['UserAssignedMSI', 'SingleTenant'])
@description('Required. MicrosoftAppType.')
param botAppType string

@description('Required. MicrosoftAppId: the identity\'s client id (UserAssignedMSI) or the app registration\'s (SingleTenant).')
param botAppId string

@description('Required. MicrosoftAppTenantId: the tenant the bot identity lives in.')
param botTenantId string

@description('Optional. SingleTenant only: versionless Key Vault secret URI of the client secret.')
param botPasswordSecretUri string = ''

@description('Optional. CallbackAllowedHosts; empty: status callbacks off.')
param callbackAllowedHosts string = ''

@description('Optional. With callbackAllowedHosts: versionless Key Vault secret URI of the callback signing secret.')
param callbackSecretUri string = ''

@allowed(['public', 'gcc', 'gccHigh', 'dod'])
@description('Optional. TeamsCloud.')
param teamsCloud string = 'public'

@description('Optional. DeliveryMaxAttempts.')
param deliveryMaxAttempts int = 8

@description('Optional. DeliveryRequestTimeoutMs.')
param deliveryRequestTimeoutMs int = 20000

@description('Optional. PerTenantRequestsPerSecond.')
param perTenantRequestsPerSecond int = 50

var isSingleTenant = botAppType == 'SingleTenant'
var callbacksEnabled = !empty(callbackAllowedHosts)

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName
}

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    // Linux: Flex Consumption runs on Linux only.
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Private-network mode: outbound traffic to Storage and Service Bus goes through the virtual network.
    virtualNetworkSubnetId: empty(subnetId) ? null : subnetId
    // Key Vault references (SingleTenant's MicrosoftAppPassword) resolve with the app's identity.
    keyVaultReferenceIdentity: identityResourceId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }

  // Deployment uses Entra tokens (azd, az functionapp deploy); publishing profiles with passwords stay off.
  resource ftpCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scmCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }
}

// Settings the Functions host needs. Flex sets the worker runtime and version from functionAppConfig, so
// FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION and WEBSITE_RUN_FROM_PACKAGE must not be set.
var hostSettings = {
  AzureWebJobsStorage__accountName: storage.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  // Entra ingestion: Application Insights has local (key) auth disabled.
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // The host refuses (413) bodies over 1 MiB before the worker gets them, instead of handing it up to 100 MB.
  // No function reads more (notifications 1,000,000 bytes, activities 512 KiB; appSettings.test.ts checks).
  FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: '1048576'
  // A heap ceiling for the Node worker: without one V8 lets garbage pile up to about 200 MB before collecting;
  // with it the worker peaks near 145 MB. Six times the live heap (dev/workerNodeArguments.ts says why).
  languageWorkers__node__arguments: '--max-old-space-size=384'
}

// Settings the gateway reads (shared/config.ts settingNames); test/unit/infra/appSettings.test.ts checks
// that each one production needs is here. __credential is read by the Functions extensions, not the code.
var gatewaySettings = {
  MicrosoftAppId: botAppId
  MicrosoftAppType: botAppType
  MicrosoftAppTenantId: botTenantId
  TeamsCloud: teamsCloud
  TablesConnection__serviceUri: storage.properties.primaryEndpoints.table
  TablesConnection__credential: 'managedidentity'
  TablesConnection__clientId: identityClientId
  ServiceBusConnection__fullyQualifiedNamespace: split(split(serviceBus.properties.serviceBusEndpoint, '//')[1], ':')[0]
  ServiceBusConnection__credential: 'managedidentity'
  ServiceBusConnection__clientId: identityClientId
  DeliveryMaxAttempts: string(deliveryMaxAttempts)
  DeliveryRequestTimeoutMs: string(deliveryRequestTimeoutMs)
  PerTenantRequestsPerSecond: string(perTenantRequestsPerSecond)
  PublicBaseUrl: 'https://${site.properties.defaultHostName}'
}

// A SingleTenant bot authenticates with a client secret, read through a Key Vault reference. UserAssignedMSI
// has no secret at all (the code refuses MicrosoftAppPassword with it).
var singleTenantSettings = {
  MicrosoftAppPassword: '@Microsoft.KeyVault(SecretUri=${botPasswordSecretUri})'
}

// Status callbacks, when an allowlist is given: its signing secret through a Key Vault reference.
// CallbackAllowPrivateNetwork is never set here (the code refuses it on an Azure instance anyway).
var callbackSettings = {
  CallbackAllowedHosts: callbackAllowedHosts
  CallbackSigningSecret: '@Microsoft.KeyVault(SecretUri=${callbackSecretUri})'
}

resource appSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: site
  name: 'appsettings'
  properties: union(hostSettings, gatewaySettings, isSingleTenant ? singleTenantSettings : {}, callbacksEnabled ? callbackSettings : {})
}

output name string = site.name
output resourceId string = site.id
// Flex apps may get a unique default host name (name-hash.region.azurewebsites.net): always use this one.
output hostName string = site.properties.defaultHostName
output uri string = 'https://${site.properties.defaultHostName}'
