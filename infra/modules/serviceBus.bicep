// Service Bus namespace and the `notifications` queue. One message per (notification, conversation,
// operation): sessions keep one conversation's sends, updates and deletes in order; duplicate detection drops
// a repeated enqueue (messageId is deterministic); the gateway schedules its own retries, so Service Bus
// redelivery only covers crashes. Entra only: local (SAS) auth is off.

@export()
@description('Settings of the notifications queue that must match the code and host.json.')
type queueSettingsType = {
  @description('Required. Peek-lock (session lock) duration, ISO 8601, at most PT5M. Longer than one send takes.')
  lockDuration: string

  @minValue(1)
  @maxValue(100)
  @description('Required. Deliveries before Service Bus dead-letters a message (crash retries only).')
  maxDeliveryCount: int

  @description('Required. Time to live of a message, ISO 8601; expired messages are dead-lettered.')
  defaultMessageTimeToLive: string

  @description('Required. Window in which a repeated messageId is dropped, ISO 8601, at most P7D.')
  duplicateDetectionHistoryTimeWindow: string
}

@description('Required. Namespace name.')
param name string

@description('Required. Region of the namespace.')
param location string

@description('Optional. Tags for the namespace.')
param tags object = {}

@allowed(['Standard', 'Premium'])
@description('Optional. Tier; Basic lacks sessions, duplicate detection and scheduling.')
param skuName string = 'Standard'

@description('Optional. Messaging units when skuName is Premium.')
@allowed([1, 2, 4, 8, 16])
param premiumCapacity int = 1

@description('Required. Queue name (shared/resourceNames.ts queueNames.notifications).')
param queueName string

@description('Required. Queue settings; main.bicep explains the defaults.')
param queueSettings queueSettingsType

@description('Optional. Private-network mode: no public endpoint (private endpoints need the Premium tier).')
param privateOnly bool = false

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuName
    capacity: skuName == 'Premium' ? premiumCapacity : null
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: privateOnly ? 'Disabled' : 'Enabled'
  }

  resource queue 'queues' = {
    name: queueName
    properties: {
      requiresSession: true
      requiresDuplicateDetection: true
      duplicateDetectionHistoryTimeWindow: queueSettings.duplicateDetectionHistoryTimeWindow
      lockDuration: queueSettings.lockDuration
      maxDeliveryCount: queueSettings.maxDeliveryCount
      defaultMessageTimeToLive: queueSettings.defaultMessageTimeToLive
      deadLetteringOnMessageExpiration: true
      enableBatchedOperations: true
      // Partitioning would spread one session's messages over brokers for no gain at this volume.
      enablePartitioning: false
    }
  }
}

output name string = namespace.name
output resourceId string = namespace.id
output queueName string = namespace::queue.name
// e.g. https://sb-x.servicebus.windows.net:443/ -> sb-x.servicebus.windows.net, without naming the cloud's suffix.
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '//')[1], ':')[0]
