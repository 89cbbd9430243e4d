import { FifoQueue } from './fifoQueue';

/**
 * Service Bus duplicate detection: a messageId seen within the window (counted from its first send) makes a
 * later send of it a silent no-op. Entries leave in arrival order, so pruning is O(1) amortised per send.
 */
export class DuplicateDetectionLog {
  private readonly firstSeen = new Map<string, number>();
  private readonly arrivals = new FifoQueue<{ messageId: string; at: number }>();

  constructor(private readonly windowInMs: number) {}

  /** True when the id was sent within the window; otherwise records it and returns false. */
  checkAndRecord(messageId: string, now: number): boolean {
    if (this.windowInMs <= 0) return false;
    this.prune(now);
    if (this.firstSeen.has(messageId)) return true;
    this.firstSeen.set(messageId, now);
    this.arrivals.push({ messageId, at: now });
    return false;
  }

  get size(): number {
    return this.firstSeen.size;
  }

  private prune(now: number): void {
    for (let oldest = this.arrivals.peek(); oldest !== undefined && oldest.at + this.windowInMs <= now; oldest = this.arrivals.peek()) {
      this.arrivals.shift();
      if (this.firstSeen.get(oldest.messageId) === oldest.at) this.firstSeen.delete(oldest.messageId);
    }
  }
}
