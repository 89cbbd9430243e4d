/** What the console needs from the local host that serves it. */
export interface ConsoleDependencies {
  /** The gateway's origin, e.g. `http://127.0.0.1:7071`; its API is under `/api`. */
  gatewayUrl: string;
  /** The Teams emulator's origin; undefined when real bot settings are used and no emulator runs. */
  emulatorUrl: string | undefined;
  /** The in-process queue's counts (InProcessServiceBus.getCounts()); undefined when a real Service Bus is used. */
  queueCounts: () => unknown;
}
