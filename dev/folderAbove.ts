import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The nearest folder at or above `startDir` that holds `relativePath`, or undefined at the filesystem root.
 * The dev tools find the checkout's files this way, the same from the sources (ts-jest) and from `dist/`.
 */
export function folderAbove(startDir: string, relativePath: string): string | undefined {
  for (let dir = path.resolve(startDir); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, relativePath))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}
