import path from 'node:path';

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * The host's side of Service Bus settlement: a real gRPC `Settlement` server built from the proto that
 * @azure/functions-extensions-servicebus ships (the host serves the same service to the worker). Records each
 * request as the server decoded it, so a test sees what reached the wire, not what a caller meant to send.
 */
export interface SettlementCall {
  method: string;
  request: Record<string, unknown>;
}

export interface SettlementServer {
  port: number;
  calls: SettlementCall[];
  /** Answers every later call of `method` with this gRPC status instead of OK. */
  refuse(method: string, code: grpc.status): void;
  /** Forgets the calls and refusals of the test before. */
  reset(): void;
  close(): Promise<void>;
}

export const settlementProtoPath = path.join(path.dirname(require.resolve('@azure/functions-extensions-servicebus')), 'proto', 'settlement.proto');

const methods = ['complete', 'abandon', 'deadletter', 'defer', 'renewMessageLock', 'getSessionState', 'setSessionState', 'releaseSession', 'renewSessionLock'];

export async function startSettlementServer(): Promise<SettlementServer> {
  // The loader options the package's own client uses (grpcClientFactory), so both ends agree on field names.
  const definition = protoLoader.loadSync(settlementProtoPath, {
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: [path.dirname(settlementProtoPath)],
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as { Settlement: grpc.ServiceClientConstructor };
  const calls: SettlementCall[] = [];
  const refused = new Map<string, grpc.status>();
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const method of methods) {
    handlers[method] = (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      calls.push({ method, request: call.request });
      const code = refused.get(method);
      if (code === undefined) callback(null, {});
      else callback({ code, details: `the test server refuses ${method}` });
    };
  }
  const server = new grpc.Server();
  server.addService(loaded.Settlement.service, handlers);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error === null ? resolve(bound) : reject(error)));
  });
  return {
    port,
    calls,
    refuse: (method, code) => refused.set(method, code),
    reset: () => {
      calls.length = 0;
      refused.clear();
    },
    close: async () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
