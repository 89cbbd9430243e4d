import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';

import { type HttpHandler, HttpRequest, type HttpResponseInit, InvocationContext } from '@azure/functions';

/**
 * The smallest host that lets the Teams emulator reach a real handler: `POST /api/messages` on a loopback
 * port, the request turned into `@azure/functions`' HttpRequest unchanged. (The local host in dev/ does this
 * for every function; tests here want only the handler under test.)
 */
export interface FunctionHttpServer {
  url: string;
  /** What the handlers logged, for assertions on what is (not) written to logs. */
  logs: string[];
  close(): Promise<void>;
}

export async function serveHandler(path: string, handler: HttpHandler): Promise<FunctionHttpServer> {
  const logs: string[] = [];
  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${request.url ?? '/'}`;
      if (new URL(url).pathname !== path) {
        response.writeHead(404).end();
        return;
      }
      const context = new InvocationContext({ logHandler: (level, ...args) => logs.push(`${level}: ${args.map(String).join(' ')}`) });
      const result = (await handler(new HttpRequest({ method: request.method ?? 'GET', url, headers, body: { string: body } }), context)) as HttpResponseInit;
      const json = result.jsonBody === undefined ? undefined : JSON.stringify(result.jsonBody);
      response.writeHead(result.status ?? 200, json === undefined ? {} : { 'content-type': 'application/json' }).end(json);
    })().catch((error: unknown) => {
      logs.push(`host error: ${String(error)}`);
      response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    logs,
    close: async () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
