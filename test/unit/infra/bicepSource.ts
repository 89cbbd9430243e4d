import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Just enough of Bicep's syntax to read declarations from the templates without the Bicep CLI, so `npm test`
 * needs no .NET: strings ('…' with \' escapes, '''…''' verbatim) and comments are masked out before braces
 * are matched, and keys and values are read from the original text at the same offsets.
 */
export const repoRoot = join(__dirname, '..', '..', '..');
export const infraDir = join(repoRoot, 'infra');

export interface BicepFile {
  /** Path relative to the repository root, for messages. */
  path: string;
  text: string;
  /** Same length as text: string contents and comments replaced by spaces, quotes kept. */
  masked: string;
}

export function readBicep(pathFromInfra: string): BicepFile {
  const full = join(infraDir, pathFromInfra);
  const text = readFileSync(full, 'utf8');
  return { path: relative(repoRoot, full), text, masked: mask(text) };
}

/** Every .bicep file under infra/, paths relative to infra/. */
export function listBicepFiles(dir = infraDir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return listBicepFiles(full);
    return entry.name.endsWith('.bicep') ? [relative(infraDir, full)] : [];
  });
}

export function mask(text: string): string {
  const out = text.split('');
  let i = 0;
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  while (i < text.length) {
    if (text.startsWith("'''", i)) {
      const end = text.indexOf("'''", i + 3);
      const stop = end === -1 ? text.length : end;
      blank(i + 3, stop);
      i = stop + 3;
    } else if (text[i] === "'") {
      let k = i + 1;
      while (k < text.length && text[k] !== "'") k += text[k] === '\\' ? 2 : 1;
      blank(i + 1, k);
      i = k + 1;
    } else if (text.startsWith('//', i)) {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      blank(i, stop);
      i = stop;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      blank(i, stop);
      i = stop;
    } else {
      i++;
    }
  }
  return out.join('');
}

const openers: Record<string, string> = { '{': '}', '[': ']', '(': ')' };

/** Offset just past the bracket that closes the one at `open` (in masked text). */
function closingOffset(masked: string, open: number): number {
  const stack: string[] = [];
  for (let i = open; i < masked.length; i++) {
    const c = masked[i]!;
    const closer = openers[c];
    if (closer !== undefined) stack.push(closer);
    else if (c === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return i + 1;
    }
  }
  throw new Error(`unbalanced bracket at offset ${open}`);
}

/** The text of the `{…}` / `[…]` that follows the first code (not comment) match of `declaration`. */
export function declarationBody(file: BicepFile, declaration: RegExp): { start: number; end: number; text: string } {
  const flags = declaration.flags.includes('g') ? declaration.flags : `${declaration.flags}g`;
  const match = [...file.text.matchAll(new RegExp(declaration.source, flags))].find((m) => file.masked[m.index] === file.text[m.index]);
  if (match === undefined) throw new Error(`${file.path}: no declaration matching ${declaration}`);
  const after = match.index + match[0].length;
  const open = file.masked.slice(after).search(/[{[]/);
  if (open === -1) throw new Error(`${file.path}: no body after ${declaration}`);
  const start = after + open;
  const end = closingOffset(file.masked, start);
  return { start, end, text: file.text.slice(start, end) };
}

/**
 * Keys (and raw value text) directly inside an object body, not those of nested objects. Quoted keys are
 * unquoted. A value is the rest of its line, trimmed (enough for scalars; nested values start with `{`/`[`).
 */
export function objectEntries(file: BicepFile, body: { start: number; end: number }): Map<string, string> {
  const entries = new Map<string, string>();
  let depth = 0;
  let lineStart = body.start + 1;
  for (let i = body.start + 1; i < body.end - 1; i++) {
    const c = file.masked[i]!;
    if (c === '\n') {
      lineStart = i + 1;
      continue;
    }
    if (i === lineStart || /^\s*$/.test(file.masked.slice(lineStart, i))) {
      if (depth === 0 && /\S/.test(c)) {
        const lineEnd = file.text.indexOf('\n', i);
        const line = file.text.slice(i, lineEnd === -1 ? body.end : Math.min(lineEnd, body.end - 1));
        const entry = /^(?:'([^']+)'|([A-Za-z_$][\w$]*))\s*:\s*(.*)$/.exec(line);
        if (entry !== null) entries.set(entry[1] ?? entry[2]!, entry[3]!.trim());
      }
    }
    if (openers[c] !== undefined) depth++;
    else if (c === '}' || c === ']' || c === ')') depth--;
  }
  return entries;
}

/** Keys of `var <name> = { … }`. */
export function variableObject(file: BicepFile, name: string): Map<string, string> {
  return objectEntries(file, declarationBody(file, new RegExp(`\\bvar\\s+${name}\\s*=\\s*`)));
}

/** Items of `var <name> = [ … ]` whose items are string literals, one per line. */
export function variableStringArray(file: BicepFile, name: string): string[] {
  const body = declarationBody(file, new RegExp(`\\bvar\\s+${name}\\s*=\\s*`));
  return [...body.text.matchAll(/^\s*'([^']*)'\s*$/gm)].map((m) => m[1]!);
}

/** The string literal assigned by `var <name> = '…'`. */
export function variableString(file: BicepFile, name: string): string {
  const match = new RegExp(`^var\\s+${name}\\s*=\\s*'([^']*)'\\s*$`, 'm').exec(file.text);
  if (match === null) throw new Error(`${file.path}: no string variable ${name}`);
  return match[1]!;
}

/** Default value text of `param <name> <type> = <default>` (single-line defaults only). */
export function paramDefault(file: BicepFile, name: string): string {
  const match = new RegExp(`^param\\s+${name}\\s+\\S+\\s*=\\s*(.+)$`, 'm').exec(file.text);
  if (match === null) throw new Error(`${file.path}: no param ${name} with a default`);
  return match[1]!.trim();
}

export interface ParamDeclaration {
  name: string;
  line: number;
  /** The @description text, if any. */
  description?: string;
}

/** Every `param` with the @description among the decorator lines right above it. */
export function params(file: BicepFile): ParamDeclaration[] {
  const lines = file.text.split('\n');
  const found: ParamDeclaration[] = [];
  lines.forEach((line, index) => {
    const match = /^param\s+(\w+)\s/.exec(line);
    if (match === null) return;
    const declaration: ParamDeclaration = { name: match[1]!, line: index + 1 };
    for (let k = index - 1; k >= 0 && lines[k]!.trim().startsWith('@'); k--) {
      const description = /^@description\('((?:[^'\\]|\\.)*)'\)/.exec(lines[k]!.trim());
      if (description !== null) declaration.description = description[1]!.replace(/\\'/g, "'");
    }
    found.push(declaration);
  });
  return found;
}

/** ISO 8601 duration (PnDTnHnMnS, as Service Bus takes them) in milliseconds. */
export function isoDurationMs(duration: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(duration);
  if (match === null || duration === 'P' || duration.endsWith('T')) throw new Error(`not an ISO 8601 duration: ${duration}`);
  const [, d, h, m, s] = match;
  return ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(m ?? 0)) * 60_000 + Number(s ?? 0) * 1000;
}

/** `hh:mm:ss` as host.json writes TimeSpans, in milliseconds. */
export function timeSpanMs(span: string): number {
  const match = /^(\d+):(\d{2}):(\d{2})$/.exec(span);
  if (match === null) throw new Error(`not a hh:mm:ss TimeSpan: ${span}`);
  return ((Number(match[1]) * 60 + Number(match[2])) * 60 + Number(match[3])) * 1000;
}
