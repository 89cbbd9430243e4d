// Private-network mode (vnetEnabled): one virtual network with a subnet for the private endpoints of Storage and
// Service Bus and a subnet the Function App integrates with, as Microsoft's azd Flex Consumption templates lay
// it out. The app then reaches its storage and queue only through the private endpoints.

@description('Required. Virtual network name.')
param name string

@description('Required. Region of the virtual network.')
param location string

@description('Optional. Tags for the virtual network.')
param tags object = {}

@description('Optional. Address space of the virtual network.')
param addressPrefix string = '10.0.0.0/16'

@description('Optional. Subnet of the private endpoints.')
param privateEndpointSubnetPrefix string = '10.0.1.0/24'

@description('Optional. Name of that subnet.')
param privateEndpointSubnetName string = 'private-endpoints'

@description('Optional. Subnet the Function App integrates with (delegated to Microsoft.App/environments, as Flex Consumption requires).')
param appSubnetPrefix string = '10.0.2.0/24'

var appSubnetName = 'app'

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [addressPrefix]
    }
    subnets: [
      {
        name: privateEndpointSubnetName
        properties: {
          addressPrefix: privateEndpointSubnetPrefix
          privateEndpointNetworkPolicies: 'Disabled'
          privateLinkServiceNetworkPolicies: 'Enabled'
        }
      }
      {
        name: appSubnetName
        properties: {
          addressPrefix: appSubnetPrefix
          privateEndpointNetworkPolicies: 'Disabled'
          privateLinkServiceNetworkPolicies: 'Enabled'
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
    ]
  }

  resource appSubnet 'subnets' existing = {
    name: appSubnetName
  }
}

output resourceId string = vnet.id
output appSubnetId string = vnet::appSubnet.id
