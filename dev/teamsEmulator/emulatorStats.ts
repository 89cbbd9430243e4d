/** Counters for `GET /_control/stats`: what the gateway did to the emulator, and what it got back. */
export interface EmulatorStatsSnapshot {
  /** `"POST /{region}/v3/conversations/{conversationId}/activities"` → status (or `hung` / `reset`) → count. */
  requests: Record<string, Record<string, number>>;
  /** Connector requests answered 429 by the rate limits (not by injected faults). */
  throttled: number;
  /** Sends whose exact payload had already arrived in that conversation. */
  duplicates: number;
  /** Injected faults by kind, Connector and token endpoint together. */
  faults: Record<string, number>;
  tokensIssued: number;
  /** Activities posted to the gateway, by the gateway's status (0 = unreachable). */
  gatewayDeliveries: Record<string, number>;
}

export class EmulatorStats {
  private snapshot: EmulatorStatsSnapshot = emptyStats();

  recordRequest(route: string, outcome: string): void {
    const byOutcome = (this.snapshot.requests[route] ??= {});
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
  }

  recordThrottled(): void {
    this.snapshot.throttled += 1;
  }

  recordDuplicate(): void {
    this.snapshot.duplicates += 1;
  }

  recordFault(kind: string): void {
    this.snapshot.faults[kind] = (this.snapshot.faults[kind] ?? 0) + 1;
  }

  recordTokenIssued(): void {
    this.snapshot.tokensIssued += 1;
  }

  recordGatewayDelivery(status: number): void {
    const key = String(status);
    this.snapshot.gatewayDeliveries[key] = (this.snapshot.gatewayDeliveries[key] ?? 0) + 1;
  }

  read(): EmulatorStatsSnapshot {
    return structuredClone(this.snapshot);
  }

  reset(): void {
    this.snapshot = emptyStats();
  }
}

function emptyStats(): EmulatorStatsSnapshot {
  return { requests: {}, throttled: 0, duplicates: 0, faults: {}, tokensIssued: 0, gatewayDeliveries: {} };
}
