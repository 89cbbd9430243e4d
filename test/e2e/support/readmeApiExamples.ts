import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Where README.md's examples point: `npm start`'s default ports, replaced by the test host's. */
export const readmeGatewayOrigin = 'http://127.0.0.1:7071';
export const readmeEmulatorOrigin = 'https://127.0.0.1:7072';

/** A fenced block of README.md's API section, in page order, with the heading it sits under. */
export interface ReadmeBlock {
  heading: string;
  info: string;
  code: string;
}

/** The API section: from `## The API` to the next second-level heading. */
export function apiSectionBlocks(readme: string): ReadmeBlock[] {
  const start = readme.indexOf('\n## The API\n');
  if (start < 0) throw new Error('README.md has no "## The API" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const blocks: ReadmeBlock[] = [];
  let heading = 'The API';
  for (const match of section.matchAll(/^(#{2,4}) (.+)$|^```([^\n]*)\n([\s\S]*?)^```$/gm)) {
    if (match[2] !== undefined) heading = match[2];
    else blocks.push({ heading, info: (match[3] ?? '').trim(), code: match[4] ?? '' });
  }
  return blocks;
}

/** One curl call an example made, as curl itself reported it. */
export interface CurlCall {
  status: number;
  method: string;
  url: string;
  body: string;
}

export interface ExampleRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  calls: CurlCall[];
}

/**
 * Runs `code` through `bash` in `cwd`, as a user pasting it would, with `curl` wrapped by a shell function
 * that records each call's status, method and URL (`--write-out`) and body, then prints the body unchanged:
 * pipes and `$(...)` in the example see exactly what curl answered.
 */
export async function runShellExample(code: string, cwd: string): Promise<ExampleRun> {
  const callsDir = mkdtempSync(path.join(tmpdir(), 'readme-example-'));
  const recorder = [
    'curl() {',
    '  local record; record="$CALLS/$(date +%s%N).$BASHPID"',
    `  command curl -o "$record.body" -w '%{http_code} %{method} %{url_effective}' "$@" > "$record.meta"`,
    '  local code=$?',
    '  cat "$record.body" 2>/dev/null',
    '  return $code',
    '}',
    'set -eo pipefail',
  ].join('\n');
  try {
    const child = spawn('bash', ['-c', `${recorder}\n${code}`], { cwd, env: { ...process.env, CALLS: callsDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exitCode = await new Promise<number | null>((resolve) => child.once('exit', (exit) => resolve(exit)));
    return { exitCode, stdout, stderr, calls: readCalls(callsDir) };
  } finally {
    rmSync(callsDir, { recursive: true, force: true });
  }
}

function readCalls(dir: string): CurlCall[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.meta'))
    .sort()
    .map((name) => {
      const [status = '0', method = '', url = ''] = readFileSync(path.join(dir, name), 'utf8').split(' ');
      const bodyFile = path.join(dir, name.replace(/\.meta$/, '.body'));
      let body = '';
      try {
        body = readFileSync(bodyFile, 'utf8');
      } catch {
        // No body written (curl could not connect): the status 000 says why.
      }
      return { status: Number(status), method, url, body };
    });
}
