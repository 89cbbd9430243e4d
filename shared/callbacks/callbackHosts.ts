/**
 * The callback allowlist (setting CallbackAllowedHosts): exact host names, or `*.contoso.com` for any
 * subdomain of contoso.com at any depth (not contoso.com itself, which is listed on its own if wanted).
 * Compared case-insensitively, without a trailing dot. Pure.
 */
export function parseAllowedHosts(setting: string | undefined): string[] {
  return (setting ?? '')
    .split(',')
    .map((host) => normalizeHost(host))
    .filter((host) => host !== '');
}

/** The problem with one allowlist entry, or undefined when it is a host name or `*.` + a host name. */
export function allowedHostProblem(entry: string): string | undefined {
  const name = entry.startsWith('*.') ? entry.slice(2) : entry;
  return /^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(name) || /^\[?[0-9a-f:.]+\]?$/.test(name) ? undefined : `"${entry}" is not a host name or *.domain`;
}

export function isAllowedHost(host: string, allowedHosts: readonly string[]): boolean {
  const name = normalizeHost(host);
  return allowedHosts.some((allowed) => (allowed.startsWith('*.') ? name.endsWith(allowed.slice(1)) && name.length > allowed.length - 1 : name === allowed));
}

function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '').replace(/^\[(.*)\]$/, '$1');
}
