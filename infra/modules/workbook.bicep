// A shared Azure Monitor workbook on the Application Insights component: deliveries by outcome and failure
// class, the codes behind them, the noisiest tenants and per-function health. Content: deliveriesWorkbook.json.

@description('Required. Region of the workbook.')
param location string

@description('Optional. Tags for the workbook.')
param tags object = {}

@description('Required. Application Insights component the workbook queries.')
param applicationInsightsName string

@description('Required. Title shown in the portal.')
param displayName string

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  // Workbook names must be GUIDs; derive one so a redeploy updates the same workbook.
  name: guid(applicationInsights.id, 'deliveries-workbook')
  location: location
  tags: union(tags, { 'hidden-title': displayName })
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    sourceId: applicationInsights.id
    serializedData: string(loadJsonContent('deliveriesWorkbook.json'))
    version: '1.0'
  }
}

output resourceId string = workbook.id
