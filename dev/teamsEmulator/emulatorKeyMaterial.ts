import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { type EmulatorCa, issueLoopbackCertificate } from '../emulatorCa';

const generateKeyPairAsync = promisify(generateKeyPair);

/** An RSA signing key with the fields a JWKS publishes. */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Base64url modulus and exponent, as JWKS `n` and `e`. */
  n: string;
  e: string;
}

export interface EmulatorKeyMaterial {
  /** The HTTPS server's leaf certificate for 127.0.0.1/localhost, issued by the emulator CA. */
  tls: { certPem: string; keyPem: string };
  /** Signs channel tokens to the bot; listed in the JWKS, endorsed for `msteams`. */
  channel: SigningKey;
  /** Listed in the JWKS but endorsed for other channels only: tokens it signs must fail endorsement checks. */
  otherChannel: SigningKey;
  /** Never listed anywhere: tokens it signs carry a kid no JWKS knows. */
  unlisted: SigningKey;
  /** Signs the Entra-style access tokens the Connector API accepts. */
  entra: SigningKey;
}

type KeyName = 'channel' | 'otherChannel' | 'unlisted' | 'entra';
const keyNames: readonly KeyName[] = ['channel', 'otherChannel', 'unlisted', 'entra'];

interface StoredKeyMaterial {
  version: 1;
  tls: { certPem: string; keyPem: string };
  keys: Record<KeyName, string>;
}

const cacheFileName = 'teams-emulator-keys.json';
const loaded = new Map<string, Promise<EmulatorKeyMaterial>>();

/**
 * Key material for an emulator trusted through `ca`. Made once and kept next to the CA (dev-only keys, like
 * the CA itself): RSA key generation costs a second of CPU per start on a small machine, and a gateway that
 * outlives an emulator restart keeps validating tokens (Bot Framework clients refetch keys at most hourly).
 */
export async function loadEmulatorKeyMaterial(ca: EmulatorCa): Promise<EmulatorKeyMaterial> {
  const file = path.join(path.dirname(ca.certPath), cacheFileName);
  let pending = loaded.get(file);
  if (pending === undefined) {
    pending = loadOrMake(file, ca);
    loaded.set(file, pending);
    pending.catch(() => loaded.delete(file));
  }
  return pending;
}

export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  return signingKeyFrom(privateKey);
}

function signingKeyFrom(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  // Like Microsoft's kids: a 27-character base64url SHA-1 thumbprint.
  const kid = createHash('sha1').update(spki).digest('base64url');
  return { kid, privateKey, publicKey, n: jwk.n ?? '', e: jwk.e ?? '' };
}

async function loadOrMake(file: string, ca: EmulatorCa): Promise<EmulatorKeyMaterial> {
  const stored = readStored(file, ca);
  if (stored !== undefined) return stored;
  const [tls, ...keys] = await Promise.all([issueLoopbackCertificate(ca), ...keyNames.map(() => generateSigningKey())]);
  const material = Object.fromEntries(keyNames.map((name, i) => [name, keys[i] as SigningKey])) as Record<KeyName, SigningKey>;
  const toStore: StoredKeyMaterial = {
    version: 1,
    tls,
    keys: Object.fromEntries(keyNames.map((name) => [name, material[name].privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()])) as Record<
      KeyName,
      string
    >,
  };
  // Write then rename, so a parallel test worker never reads half a file.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(toStore), { mode: 0o600 });
  renameSync(temporary, file);
  return { tls, ...material };
}

function readStored(file: string, ca: EmulatorCa): EmulatorKeyMaterial | undefined {
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as StoredKeyMaterial;
    if (stored.version !== 1) return undefined;
    const leaf = new X509Certificate(stored.tls.certPem);
    const caCert = new X509Certificate(ca.certPem);
    const stillValid = new Date(leaf.validTo).getTime() > Date.now() + 86_400_000;
    if (!stillValid || !leaf.checkIssued(caCert) || !leaf.verify(caCert.publicKey)) return undefined;
    const keys = Object.fromEntries(keyNames.map((name) => [name, signingKeyFrom(createPrivateKey(stored.keys[name]))])) as Record<KeyName, SigningKey>;
    return { tls: stored.tls, ...keys };
  } catch {
    return undefined;
  }
}
