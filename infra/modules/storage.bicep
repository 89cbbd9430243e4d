// One StorageV2 account for the Functions runtime (AzureWebJobsStorage, the Flex deployment container) and
// the gateway's tables. Entra only: shared keys are off, so neither a key nor a connection string exists.

@minLength(3)
@maxLength(24)
@description('Required. Storage account name.')
param name string

@description('Required. Region of the account.')
param location string

@description('Optional. Tags for the account.')
param tags object = {}

@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_GZRS'])
@description('Optional. Replication. ZRS or GZRS where the region offers it survives a zone outage.')
param skuName string = 'Standard_LRS'

@description('Required. Blob container that Flex Consumption deploys the app package to.')
param deploymentContainerName string

@description('Required. Tables the gateway uses (shared/resourceNames.ts tableNames).')
param tableNames string[]

@description('Optional. Private-network mode: no public endpoint; the app reaches blobs and tables through private endpoints.')
param privateOnly bool = false

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    dnsEndpointType: 'Standard'
    minimumTlsVersion: 'TLS1_2'
    publicNetworkAccess: privateOnly ? 'Disabled' : 'Enabled'
    supportsHttpsTrafficOnly: true
    networkAcls: {
      bypass: privateOnly ? 'None' : 'AzureServices'
      defaultAction: privateOnly ? 'Deny' : 'Allow'
    }
  }

  resource blobService 'blobServices' = {
    name: 'default'

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: {
        publicAccess: 'None'
      }
    }
  }

  resource tableService 'tableServices' = {
    name: 'default'

    resource tables 'tables' = [
      for tableName in tableNames: {
        name: tableName
      }
    ]
  }
}

output name string = storage.name
output resourceId string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output tableEndpoint string = storage.properties.primaryEndpoints.table
