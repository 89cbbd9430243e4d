/**
 * The program Azurite's child process runs (`node -e <this> <azurite main> <args...>`): Azurite's own entry,
 * plus a watch on the parent. Azurite keeps tables in a LokiJS file it saves every few seconds and on SIGINT
 * (or an IPC `shutdown`), never on SIGTERM, and Node has no "die with the parent" switch. So the child is
 * spawned with an IPC channel and:
 * - when that channel closes (the parent exited, however: `process.exit`, a crash, `kill -9`), it closes
 *   Azurite as on SIGINT, which saves the file, and exits;
 * - SIGTERM is turned into that same close, so no stop path skips the save;
 * - writes to a parent that is gone (a broken stdout pipe) are ignored instead of crashing before the save.
 * Plain JavaScript in a string: it runs the same from dist/ and from the TypeScript sources under Jest.
 */
export const azuriteParentWatchProgram = `'use strict';
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
let closing = false;
function close() {
  if (closing) return;
  closing = true;
  // Azurite exits by itself once closed; this only bounds a close that hangs.
  setTimeout(() => process.exit(0), 10000).unref();
  process.kill(process.pid, 'SIGINT');
}
// Before Azurite has set up its own SIGINT handler there is nothing to save: exit.
process.on('SIGINT', () => { if (process.listenerCount('SIGINT') === 1) process.exit(0); });
process.on('SIGTERM', close);
process.on('disconnect', close);
// The channel only watches the parent; it must not keep this process alive after Azurite has closed.
if (process.channel) process.channel.unref();
require(process.argv[1]);
`;
