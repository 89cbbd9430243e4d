import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { generate } from 'selfsigned';

import { folderAbove } from './folderAbove';

/**
 * The Teams emulator's own certificate authority. MSAL and @azure/identity refuse `http://` authorities, so
 * the emulator serves HTTPS with a leaf certificate from this CA, and every process that talks to it trusts
 * the CA through NODE_EXTRA_CA_CERTS (set by dev/withEmulatorCa.ts before Node starts).
 */
export interface EmulatorCa {
  certPem: string;
  keyPem: string;
  certPath: string;
}

export const emulatorCaDirVariable = 'TEAMS_EMULATOR_CA_DIR';

/**
 * One CA per checkout (`.data/emulator-ca/`, git-ignored): a shared folder in the system temp directory can
 * belong to another user or another checkout's run, whose key then fails to match (curl: "invalid padding").
 */
export function defaultEmulatorCaDir(): string {
  return process.env[emulatorCaDirVariable] ?? path.join(folderAbove(__dirname, 'package.json') ?? process.cwd(), '.data', 'emulator-ca');
}

/** Loads the CA from `dir`, making it on first use (valid for a year; remade when expired or missing). */
export async function ensureEmulatorCa(dir: string = defaultEmulatorCaDir()): Promise<EmulatorCa> {
  const certPath = path.join(dir, 'ca.pem');
  const keyPath = path.join(dir, 'ca-key.pem');
  if (existsSync(certPath) && existsSync(keyPath)) {
    const certPem = readFileSync(certPath, 'utf8');
    const { X509Certificate } = await import('node:crypto');
    if (new Date(new X509Certificate(certPem).validTo).getTime() > Date.now() + 86_400_000) {
      return { certPem, keyPem: readFileSync(keyPath, 'utf8'), certPath };
    }
  }
  mkdirSync(dir, { recursive: true });
  const now = new Date();
  const ca = await generate([{ name: 'commonName', value: 'Teams Emulator Local CA' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 3_600_000),
    notAfterDate: new Date(now.getTime() + 365 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  // Written aside and renamed, so a process starting at the same moment never reads half a file.
  writeAtomically(keyPath, ca.private, 0o600);
  writeAtomically(certPath, ca.cert, 0o644);
  return { certPem: ca.cert, keyPem: ca.private, certPath };
}

function writeAtomically(filePath: string, content: string, mode: number): void {
  const partial = `${filePath}.${process.pid}.partial`;
  writeFileSync(partial, content, { mode });
  renameSync(partial, filePath);
}

/** A server certificate for 127.0.0.1 and localhost, signed by the emulator CA. */
export async function issueLoopbackCertificate(ca: EmulatorCa): Promise<{ certPem: string; keyPem: string }> {
  const now = new Date();
  const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 3_600_000),
    notAfterDate: new Date(now.getTime() + 30 * 86_400_000),
    ca: { key: ca.keyPem, cert: ca.certPem },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { certPem: leaf.cert, keyPem: leaf.private };
}
