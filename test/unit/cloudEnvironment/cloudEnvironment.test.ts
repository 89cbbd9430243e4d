import { cloudEnvironments, isTrustedServiceUrl } from '../../../shared/cloudEnvironment';

const publicHosts = cloudEnvironments.public.trustedServiceUrlHosts;

describe('isTrustedServiceUrl', () => {
  it.each(['https://smba.trafficmanager.net/amer/', 'https://smba.trafficmanager.net/emea/5e2f7c1a/', 'https://SMBA.TrafficManager.net/teams/', 'https://smba.trafficmanager.net:443/amer/', 'https://smba.infra.gcc.teams.microsoft.com/'])(
    'trusts %s on the public cloud',
    (url) => {
      expect(isTrustedServiceUrl(url, publicHosts)).toBe(true);
    },
  );

  it.each([
    ['a suffix attack', 'https://smba.trafficmanager.net.evil.example/amer/'],
    ['a prefix attack', 'https://evilsmba.trafficmanager.net/amer/'],
    ['userinfo that looks like the host', 'https://smba.trafficmanager.net@evil.example/'],
    ['plain http', 'http://smba.trafficmanager.net/amer/'],
    ['another port', 'https://smba.trafficmanager.net:8443/amer/'],
    ['a trailing-dot host', 'https://smba.trafficmanager.net./amer/'],
    ['not a URL', 'smba.trafficmanager.net/amer/'],
    ['another scheme', 'ftp://smba.trafficmanager.net/'],
  ])('refuses %s', (_case, url) => {
    expect(isTrustedServiceUrl(url, publicHosts)).toBe(false);
  });

  it('a host:port entry (the local emulator) matches that port only, over http or https', () => {
    const hosts = [...publicHosts, '127.0.0.1:7072'];
    expect(isTrustedServiceUrl('https://127.0.0.1:7072/amer/', hosts)).toBe(true);
    expect(isTrustedServiceUrl('http://127.0.0.1:7072/amer/', hosts)).toBe(true);
    expect(isTrustedServiceUrl('https://127.0.0.1:7073/amer/', hosts)).toBe(false);
    expect(isTrustedServiceUrl('https://127.0.0.1/amer/', hosts)).toBe(false);
  });

  it('plain http only to a loopback emulator: a host:port entry elsewhere is https only, so the token is never sent in the clear', () => {
    const hosts = ['connector.example.com:8443', 'localhost:7072', '[::1]:7072'];
    expect(isTrustedServiceUrl('https://connector.example.com:8443/amer/', hosts)).toBe(true);
    expect(isTrustedServiceUrl('http://connector.example.com:8443/amer/', hosts)).toBe(false);
    expect(isTrustedServiceUrl('http://localhost:7072/amer/', hosts)).toBe(true);
    expect(isTrustedServiceUrl('http://[::1]:7072/amer/', hosts)).toBe(true);
  });

  it('government clouds trust only their own host', () => {
    expect(isTrustedServiceUrl('https://smba.infra.gov.teams.microsoft.us/', cloudEnvironments.gccHigh.trustedServiceUrlHosts)).toBe(true);
    expect(isTrustedServiceUrl('https://smba.trafficmanager.net/amer/', cloudEnvironments.gccHigh.trustedServiceUrlHosts)).toBe(false);
    expect(isTrustedServiceUrl('https://smba.infra.gov.teams.microsoft.us/', cloudEnvironments.dod.trustedServiceUrlHosts)).toBe(false);
  });
});

describe('cloud presets', () => {
  it('each cloud has its Microsoft Graph: global for public and GCC, .us hosts for GCC High and DoD', () => {
    expect(cloudEnvironments.public.graphEndpoint).toBe('https://graph.microsoft.com');
    expect(cloudEnvironments.gcc.graphEndpoint).toBe('https://graph.microsoft.com');
    expect(cloudEnvironments.gccHigh.graphEndpoint).toBe('https://graph.microsoft.us');
    expect(cloudEnvironments.dod.graphEndpoint).toBe('https://dod-graph.microsoft.us');
  });

  it('GCC uses the public Bot Framework endpoints and the GCC Teams host', () => {
    expect(cloudEnvironments.gcc.toBotFromChannelTokenIssuer).toBe(cloudEnvironments.public.toBotFromChannelTokenIssuer);
    expect(new URL(cloudEnvironments.gcc.gccServiceUrl).host).toBe('smba.infra.gcc.teams.microsoft.com');
  });

  it('US Government clouds use the .us Bot Framework endpoints', () => {
    for (const cloud of [cloudEnvironments.gccHigh, cloudEnvironments.dod]) {
      expect(cloud.toBotFromChannelTokenIssuer).toBe('https://api.botframework.us');
      expect(cloud.toChannelFromBotOAuthScope).toBe('https://api.botframework.us');
      expect(cloud.toBotFromChannelOpenIdMetadataUrl).toMatch(/^https:\/\/login\.botframework\.azure\.us\//);
    }
  });
});
