import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, type Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path as sent (still percent-encoded). */
  path: string;
  authorization: string | undefined;
  body: string;
  /** Which TCP connection carried it (keep-alive reuse shows as the same number). */
  connection: number;
}

export type Responder = (request: RecordedRequest, response: ServerResponse) => void;

/** A loopback HTTP server that records every request and answers with the current responder. */
export interface ConnectorTestServer {
  /** `http://127.0.0.1:<port>/amer/`, like a Teams regional serviceUrl. */
  serviceUrl: string;
  /** `127.0.0.1:<port>`, for the trusted host list. */
  host: string;
  requests: RecordedRequest[];
  respond(responder: Responder): void;
  close(): Promise<void>;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Responder {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    response.end(body === undefined ? undefined : JSON.stringify(body));
  };
}

export async function startConnectorTestServer(): Promise<ConnectorTestServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const connectionIds = new WeakMap<Socket, number>();
  let responder: Responder = json(201, { id: 'activity-1' });
  const server: Server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const recorded: RecordedRequest = {
        method: request.method ?? '',
        path: request.url ?? '',
        authorization: request.headers.authorization,
        body: Buffer.concat(chunks).toString('utf8'),
        connection: connectionIds.get(request.socket) ?? -1,
      };
      requests.push(recorded);
      responder(recorded, response);
    });
  });
  let connections = 0;
  server.on('connection', (socket: Socket) => {
    connections += 1;
    connectionIds.set(socket, connections);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    serviceUrl: `http://${host}/amer/`,
    host,
    requests,
    respond(next) {
      responder = next;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
