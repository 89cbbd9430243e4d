interface HeapEntry<T> {
  dueAt: number;
  /** Insertion order, so entries due at the same time come out in the order they went in. */
  order: number;
  item: T;
}

/** A binary min-heap by due time: the broker's one list of everything that happens later (schedules, lock expiries). */
export class DueTimeHeap<T> {
  private readonly entries: HeapEntry<T>[] = [];
  private inserted = 0;

  get size(): number {
    return this.entries.length;
  }

  push(dueAt: number, item: T): void {
    this.entries.push({ dueAt, order: this.inserted++, item });
    this.siftUp(this.entries.length - 1);
  }

  /** The earliest due time, or undefined when empty. */
  peekDueAt(): number | undefined {
    return this.entries[0]?.dueAt;
  }

  /** Removes and returns the earliest entry if it is due at or before `now`. */
  popDue(now: number): T | undefined {
    const first = this.entries[0];
    if (first === undefined || first.dueAt > now) return undefined;
    const last = this.entries.pop() as HeapEntry<T>;
    if (this.entries.length > 0) {
      this.entries[0] = last;
      this.siftDown(0);
    }
    return first.item;
  }

  clear(): void {
    this.entries.length = 0;
  }

  private before(a: HeapEntry<T>, b: HeapEntry<T>): boolean {
    return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.order < b.order);
  }

  private siftUp(index: number): void {
    const entries = this.entries;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const child = entries[i] as HeapEntry<T>;
      const above = entries[parent] as HeapEntry<T>;
      if (!this.before(child, above)) return;
      entries[i] = above;
      entries[parent] = child;
      i = parent;
    }
  }

  private siftDown(index: number): void {
    const entries = this.entries;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < entries.length && this.before(entries[left] as HeapEntry<T>, entries[smallest] as HeapEntry<T>)) smallest = left;
      if (right < entries.length && this.before(entries[right] as HeapEntry<T>, entries[smallest] as HeapEntry<T>)) smallest = right;
      if (smallest === i) return;
      const swap = entries[i] as HeapEntry<T>;
      entries[i] = entries[smallest] as HeapEntry<T>;
      entries[smallest] = swap;
      i = smallest;
    }
  }
}
