import { createServer, request as httpRequest, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';

/** Table Storage round trips as the gateway made them, counted on the wire between it and Azurite. */
export interface TableRequestCounts {
  /** HTTP requests: a batch (entity group transaction) is one. */
  requests: number;
  /** Of those, batches, and the operations they carried. */
  batches: number;
  batchOperations: number;
  /** Requests by kind: `<METHOD> <table>` (point reads, writes and queries alike), `$batch`. */
  byKind: Record<string, number>;
}

export interface TableRequestCounter {
  /** Give the gateway this as `TablesConnection`: Azurite's, through the counter. */
  connectionString: string;
  snapshot(): TableRequestCounts;
  close(): Promise<void>;
}

/** One operation inside a `$batch` body (multipart/mixed): its request line. */
const batchOperationLine = /^(GET|POST|PUT|PATCH|MERGE|DELETE) https?:\/\//gm;

/**
 * A pass-through HTTP proxy in front of Azurite that counts what goes through it, so the bench can report
 * Table round trips per request and per delivery without touching the gateway: it only sees another
 * endpoint in its connection string. Bodies are streamed through; only `$batch` bodies are read to count.
 */
export async function startTableRequestCounter(azuriteConnectionString: string): Promise<TableRequestCounter> {
  const endpoint = /TableEndpoint=(http:\/\/[^;]+)/.exec(azuriteConnectionString)?.[1];
  if (endpoint === undefined) throw new Error('the Azurite connection string has no http TableEndpoint');
  const target = new URL(endpoint);
  const counts: TableRequestCounts = { requests: 0, batches: 0, batchOperations: 0, byKind: {} };
  const server: Server = createServer((incoming, outgoing) => {
    const url = incoming.url ?? '/';
    const table = /^\/[^/]+\/([^/(?]+)/.exec(url)?.[1] ?? '?';
    const kind = table === '$batch' ? '$batch' : `${incoming.method ?? '?'} ${table}`;
    counts.requests++;
    counts.byKind[kind] = (counts.byKind[kind] ?? 0) + 1;
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      if (table === '$batch') {
        counts.batches++;
        counts.batchOperations += (body.toString('utf8').match(batchOperationLine) ?? []).length;
      }
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, method: incoming.method, path: url, headers: { ...incoming.headers, host: target.host } },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      upstream.on('error', () => {
        outgoing.writeHead(502);
        outgoing.end();
      });
      upstream.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const connectionString = azuriteConnectionString.replace(endpoint, `http://127.0.0.1:${port}${target.pathname.replace(/\/$/, '')}`);
  return {
    connectionString,
    snapshot: () => ({ ...counts, byKind: { ...counts.byKind } }),
    close: async () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What happened between two snapshots. */
export function countsBetween(before: TableRequestCounts, after: TableRequestCounts): TableRequestCounts {
  const byKind: Record<string, number> = {};
  for (const [kind, count] of Object.entries(after.byKind)) {
    const delta = count - (before.byKind[kind] ?? 0);
    if (delta > 0) byKind[kind] = delta;
  }
  return { requests: after.requests - before.requests, batches: after.batches - before.batches, batchOperations: after.batchOperations - before.batchOperations, byKind };
}
