/** What the bench reads of `GET /api/notifications/{id}` (notificationStatus.ts), loosely: figures, not contract tests. */
export interface NotificationStatusView {
  id: string;
  counts: { queued: number; sent: number; failed: number; skipped: number; cancelled?: number };
  fanOut?: { status: string; deliveries: number }[];
}

export interface TimedResponse<T> {
  status: number;
  body: T | undefined;
  text: string;
  elapsedInMs: number;
}

/** The gateway's HTTP API as a caller uses it (no function key locally: the local host ignores authLevel). */
export class GatewayApi {
  constructor(readonly url: string) {}

  async health(): Promise<number> {
    const response = await fetch(`${this.url}/api/health`, { signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    return response.status;
  }

  async postNotification(body: unknown): Promise<TimedResponse<{ id: string; deliveries?: number; fanOut?: unknown[] }>> {
    return this.timed('POST', '/api/notifications', body);
  }

  async notificationStatus(id: string): Promise<NotificationStatusView> {
    const response = await this.timed<NotificationStatusView>('GET', `/api/notifications/${encodeURIComponent(id)}?pageSize=1`);
    if (response.status !== 200 || response.body === undefined) throw new Error(`GET notification ${id}: ${response.status} ${response.text.slice(0, 300)}`);
    return response.body;
  }

  private async timed<T>(method: string, path: string, body?: unknown): Promise<TimedResponse<T>> {
    const started = performance.now();
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(120_000),
    });
    const text = await response.text();
    const elapsedInMs = performance.now() - started;
    let parsed: T | undefined;
    try {
      parsed = JSON.parse(text) as T;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text, elapsedInMs };
  }
}

/** Every delivery of a notification has reached a final state (or all fan-outs are done, for `enqueued`). */
export function settledCount(status: NotificationStatusView): number {
  const { sent, failed, skipped, cancelled } = status.counts;
  return sent + failed + skipped + (cancelled ?? 0);
}

export function allFanOutsDone(status: NotificationStatusView): boolean {
  return (status.fanOut ?? []).every((fanOut) => fanOut.status !== 'expanding');
}
