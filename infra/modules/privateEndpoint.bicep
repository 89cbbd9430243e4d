// One private endpoint into the virtual network, with the private DNS zone that makes the resource's usual host
// name resolve to it inside the network (the app's connection settings stay unchanged).

@description('Required. Private endpoint name.')
param name string

@description('Required. Region of the private endpoint (the virtual network\'s).')
param location string

@description('Optional. Tags for the endpoint and the DNS zone.')
param tags object = {}

@description('Required. Virtual network (in this resource group) the DNS zone is linked to.')
param virtualNetworkName string

@description('Required. Subnet of that network the endpoint gets its address from.')
param subnetName string

@description('Required. Resource the endpoint connects to (storage account, Service Bus namespace).')
param targetResourceId string

@description('Required. Sub-resource (group id) of that resource: blob, table, namespace.')
param groupId string

@description('Required. Private DNS zone, e.g. privatelink.blob.<storage suffix> or privatelink.servicebus.windows.net.')
param dnsZoneName string

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' existing = {
  name: virtualNetworkName

  resource subnet 'subnets' existing = {
    name: subnetName
  }
}

resource dnsZone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: dnsZoneName
  location: 'global'
  tags: tags

  resource link 'virtualNetworkLinks' = {
    name: uniqueString(vnet.id)
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      virtualNetwork: {
        id: vnet.id
      }
    }
  }
}

resource endpoint 'Microsoft.Network/privateEndpoints@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    subnet: {
      id: vnet::subnet.id
    }
    privateLinkServiceConnections: [
      {
        name: name
        properties: {
          privateLinkServiceId: targetResourceId
          groupIds: [groupId]
        }
      }
    ]
  }

  resource zoneGroup 'privateDnsZoneGroups' = {
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [
        {
          name: replace(dnsZoneName, '.', '-')
          properties: {
            privateDnsZoneId: dnsZone.id
          }
        }
      ]
    }
  }
}

output resourceId string = endpoint.id
