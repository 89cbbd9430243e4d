import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { folderAbove } from '../folderAbove';
import { type LocalHttpResponse } from '../localFunctionHost/httpAdapter';

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * The page may load only its own files; Adaptive Cards may show images from anywhere, as Teams does. Inline
 * styles are allowed because the card renderer writes style attributes.
 */
const pagePolicy = "default-src 'self'; img-src * data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** A file name the page refers to: no folders, so a request can never leave the assets folder. */
const assetNamePattern = /^[A-Za-z][A-Za-z0-9]*\.(?:html|js|css)$/;

/**
 * The page's own files live in `dev/console/static` (not compiled); found from here whether this module runs
 * from `dist/dev/console` (npm start) or from the sources (ts-jest).
 */
export function consoleAssetDirectory(): string {
  const root = folderAbove(__dirname, path.join('dev', 'console', 'static', 'index.html'));
  return root === undefined ? path.join(__dirname, 'static') : path.join(root, 'dev', 'console', 'static');
}

/** The browser build of the `adaptivecards` renderer (UMD; defines `window.AdaptiveCards`). */
export function adaptiveCardsBundlePath(): string {
  return require.resolve('adaptivecards/dist/adaptivecards.min.js');
}

/** One of the page's files by name, or undefined when there is no such file. Read per request so edits show on reload. */
export async function readConsoleAsset(name: string): Promise<LocalHttpResponse | undefined> {
  if (!assetNamePattern.test(name)) return undefined;
  return readStaticFile(path.join(consoleAssetDirectory(), name));
}

export async function readAdaptiveCardsBundle(): Promise<LocalHttpResponse | undefined> {
  return readStaticFile(adaptiveCardsBundlePath());
}

async function readStaticFile(file: string): Promise<LocalHttpResponse | undefined> {
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return undefined;
  }
  const extension = path.extname(file);
  const headers: [string, string][] = [
    ['content-type', contentTypes[extension] ?? 'application/octet-stream'],
    ['cache-control', 'no-cache'],
    ['x-content-type-options', 'nosniff'],
  ];
  if (extension === '.html') headers.push(['content-security-policy', pagePolicy]);
  return { status: 200, headers, body };
}
