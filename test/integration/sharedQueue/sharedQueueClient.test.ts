import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';

import { SharedQueueClient } from '../../../dev/sharedQueue/sharedQueueClient';

/** The client's side of the broker's HTTP protocol against a server that misbehaves the way a real one can. */
describe('shared queue client connections', () => {
  let server: Server | undefined;

  afterEach(async () => {
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    server = undefined;
  });

  it('sends a call again on a new connection when the kept-alive one it reused was closed by the broker', async () => {
    const requestsPerConnection: number[] = [];
    server = createServer((req, res) => {
      const socket = req.socket as typeof req.socket & { served?: number };
      socket.served = (socket.served ?? 0) + 1;
      if (socket.served === 1) requestsPerConnection.push(0);
      requestsPerConnection[requestsPerConnection.length - 1] = socket.served;
      // The second request on a kept-alive connection meets the broker closing it (its idle timeout).
      if (socket.served > 1) {
        socket.destroy();
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ queuePath: 'deliveries', deadLetterQueuePath: 'deliveries/$deadletterqueue', startedAt: new Date(0).toISOString() }));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    expect((await SharedQueueClient.connect(url)).queuePath).toBe('deliveries');
    // Reuses the first connection, which the server drops: the call is sent again, on a new one, and answered.
    expect((await SharedQueueClient.connect(url)).queuePath).toBe('deliveries');
    expect(requestsPerConnection).toEqual([2, 1]);
  });
});
