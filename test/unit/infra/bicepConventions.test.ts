import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { declarationBody, infraDir, listBicepFiles, objectEntries, params, readBicep } from './bicepSource';

/** House rules for infra/ that the Bicep linter does not check. */
const files = listBicepFiles().map(readBicep);

describe('Bicep conventions in infra/', () => {
  it('finds the templates', () => {
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(['infra/main.bicep', 'infra/modules/functionApp.bicep', 'infra/modules/rbac.bicep']));
  });

  it.each(files.map((f) => [f.path, f]))('%s: every param has a description starting "Required." or "Optional."', (_path, file) => {
    const undocumented = params(file)
      .filter((p) => !/^(Required|Optional)\. \S/.test(p.description ?? ''))
      .map((p) => `${p.name} (line ${p.line})`);
    expect(undocumented).toEqual([]);
  });

  it.each(files.map((f) => [f.path, f]))('%s: uses no keys, SAS or connection strings', (_path, file) => {
    expect(file.masked).not.toMatch(/\blist(Keys|AccountSas|ServiceSas|ConnectionStrings)\s*\(/i);
    expect(file.text).not.toMatch(/AccountKey=|SharedAccessKey|DefaultEndpointsProtocol/);
  });

  it('names every role assignment guid(scope.id, principalId, roleId) with its own scope and a commented role id', () => {
    const rbac = readBicep('modules/rbac.bicep');
    const assignments = [...rbac.text.matchAll(/^resource (\w+) 'Microsoft\.Authorization\/roleAssignments@[\w-]+' = /gm)];
    expect(assignments.length).toBeGreaterThanOrEqual(5);
    for (const [, symbol] of assignments) {
      const body = objectEntries(rbac, declarationBody(rbac, new RegExp(`^resource ${symbol} `, 'm')));
      const name = /^guid\(([\w:]+)\.id, (\w+), (\w+)\)$/.exec(body.get('name') ?? '');
      expect({ symbol, name: body.get('name'), matches: name !== null }).toEqual(expect.objectContaining({ matches: true }));
      const [, scope, principal, role] = name!;
      expect(body.get('scope')).toBe(scope);
      expect(rbac.text).toMatch(new RegExp(`principalId: ${principal}\\b`));
      // The role id is a named variable with a GUID and a comment on the line above saying why it is needed.
      expect(rbac.text).toMatch(new RegExp(`//[^\\n]+\\nvar ${role} = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'`));
    }
    // Every role assignment in the templates lives in rbac.bicep.
    const elsewhere = files.filter((f) => f.path !== rbac.path && /Microsoft\.Authorization\/roleAssignments/.test(f.text));
    expect(elsewhere.map((f) => f.path)).toEqual([]);
  });

  it('gives main.bicep outputs UPPER_SNAKE names for azd', () => {
    const main = readBicep('main.bicep');
    const outputs = [...main.text.matchAll(/^output (\w+) /gm)].map((m) => m[1]!);
    expect(outputs).toEqual(expect.arrayContaining(['SERVICE_API_NAME', 'BOT_APP_ID', 'BOT_MESSAGING_ENDPOINT', 'NOTIFICATIONS_ENDPOINT', 'API_HOST']));
    expect(outputs.filter((o) => !/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/.test(o))).toEqual([]);
  });

  it('gives azd a value for every required main.bicep param and names no param that does not exist', () => {
    const main = readBicep('main.bicep');
    const parameterFile = JSON.parse(readFileSync(join(infraDir, 'main.parameters.json'), 'utf8')) as { parameters: Record<string, unknown> };
    const declared = params(main).map((p) => p.name);
    const required = declared.filter((name) => !new RegExp(`^param ${name} \\S+ =`, 'm').test(main.text));
    expect(required.sort()).toEqual(['environmentName', 'location']);
    for (const name of Object.keys(parameterFile.parameters)) expect(declared).toContain(name);
    for (const name of required) expect(Object.keys(parameterFile.parameters)).toContain(name);
  });

  it('keeps local (key) authentication off and TLS 1.2 on', () => {
    const storage = readBicep('modules/storage.bicep');
    expect(storage.text).toMatch(/allowSharedKeyAccess: false/);
    expect(storage.text).toMatch(/minimumTlsVersion: 'TLS1_2'/);
    expect(storage.text).toMatch(/allowBlobPublicAccess: false/);
    const serviceBus = readBicep('modules/serviceBus.bicep');
    expect(serviceBus.text).toMatch(/disableLocalAuth: true/);
    expect(serviceBus.text).toMatch(/minimumTlsVersion: '1\.2'/);
    const monitoring = readBicep('modules/monitoring.bicep');
    expect(monitoring.text).toMatch(/DisableLocalAuth: true/);
    expect(monitoring.text).toMatch(/disableLocalAuth: true/);
  });

  it('points the bot at the app\'s /api/messages and enables Teams', () => {
    const main = readBicep('main.bicep');
    expect(main.text).toMatch(/^var messagingEndpoint = '\$\{functionApp\.outputs\.uri\}\/api\/messages'$/m);
    expect(main.text).toMatch(/^ {4}messagingEndpoint: messagingEndpoint$/m);
    const bot = readBicep('modules/bot.bicep');
    expect(bot.text).toMatch(/channelName: 'MsTeamsChannel'/);
    expect(bot.text).toMatch(/msaAppMSIResourceId: isManagedIdentity \? identityResourceId : null/);
    expect(readBicep('main.bicep').text).toMatch(/param botAppType string = 'UserAssignedMSI'/);
  });

  it('gives each Teams cloud its channel: commercial, GCC Moderate, or a bot in Azure Government for GCC High and DoD', () => {
    const bot = readBicep('modules/bot.bicep');
    const environments = objectEntries(bot, declarationBody(bot, /^var channelEnvironments = /m));
    expect(Object.fromEntries(environments)).toEqual({ public: "'CommercialDeployment'", gcc: "'GCCModerateDeployment'" });
    expect(bot.text).toMatch(/deploymentEnvironment: channelEnvironments\[\?teamsCloud\]/);
    const main = readBicep('main.bicep');
    expect(main.text).toMatch(/^var isGovernmentTeams = teamsCloud == 'gccHigh' \|\| teamsCloud == 'dod'$/m);
    expect(main.text).toMatch(/^var deployBot = !isGovernmentTeams \|\| environment\(\)\.name == 'AzureUSGovernment'$/m);
    expect(main.text).toMatch(/^module bot 'modules\/bot\.bicep' = if \(deployBot\) \{$/m);
  });
});
