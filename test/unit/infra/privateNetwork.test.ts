import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { readBicep, repoRoot } from './bicepSource';

/** Private-network mode (vnetEnabled): what the app talks to is reachable only through private endpoints. */
const main = readBicep('main.bicep');

describe('private-network mode in infra/', () => {
  it('is off by default and can be turned on from azd', () => {
    expect(main.text).toMatch(/^param vnetEnabled bool = false$/m);
    const parameters = JSON.parse(readFileSync(join(repoRoot, 'infra', 'main.parameters.json'), 'utf8')) as { parameters: Record<string, { value: unknown }> };
    expect(parameters.parameters.vnetEnabled?.value).toBe('${VNET_ENABLED=false}');
  });

  it('puts Storage blob and table and the Service Bus namespace behind private endpoints', () => {
    const groups = [...main.text.matchAll(/groupId: '(\w+)', dnsZoneName: '([^']+)'/g)].map((m) => [m[1], m[2]]);
    expect(groups).toEqual([
      ['blob', 'privatelink.blob.${storageSuffix}'],
      ['table', 'privatelink.table.${storageSuffix}'],
      ['namespace', 'privatelink.${serviceBusSuffix}'],
    ]);
    expect(main.text).toMatch(/for endpoint in privateEndpoints: if \(vnetEnabled\)/);
  });

  it.each([
    ['modules/storage.bicep', /publicNetworkAccess: privateOnly \? 'Disabled' : 'Enabled'/],
    ['modules/serviceBus.bicep', /publicNetworkAccess: privateOnly \? 'Disabled' : 'Enabled'/],
  ])('%s: turns its public endpoint off', (file, pattern) => {
    expect(readBicep(file).text).toMatch(pattern);
    expect(main.text.match(/privateOnly: vnetEnabled/g)).toHaveLength(2);
  });

  it('integrates the app with the delegated subnet and waits for the endpoints before starting it', () => {
    expect(readBicep('modules/functionApp.bicep').text).toMatch(/virtualNetworkSubnetId: empty\(subnetId\) \? null : subnetId/);
    expect(readBicep('modules/network.bicep').text).toMatch(/serviceName: 'Microsoft\.App\/environments'/);
    expect(main.text).toMatch(/subnetId: vnetEnabled \? network!\.outputs\.appSubnetId : ''/);
    expect(main.text).toMatch(/dependsOn: \[rbac, storage, serviceBus, monitoring, privateEndpoint\]/);
  });

  it('takes Service Bus Premium, the only tier with private endpoints, and refuses Standard', () => {
    expect(main.text).toMatch(/vnetEnabled \? 'Premium' : 'Standard'/);
    expect(main.text).toMatch(/vnetEnabled && effectiveServiceBusSku != 'Premium'\n\s+\? fail\(/);
    expect(main.text).toMatch(/skuName: serviceBusTier/);
  });
});
