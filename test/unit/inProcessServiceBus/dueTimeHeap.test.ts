import { DueTimeHeap } from '../../../dev/inProcessServiceBus/dueTimeHeap';

describe('DueTimeHeap', () => {
  it('pops only what is due, earliest first, ties in insertion order', () => {
    const heap = new DueTimeHeap<string>();
    heap.push(30, 'c');
    heap.push(10, 'a1');
    heap.push(20, 'b');
    heap.push(10, 'a2');

    expect(heap.peekDueAt()).toBe(10);
    expect([heap.popDue(15), heap.popDue(15), heap.popDue(15)]).toStrictEqual(['a1', 'a2', undefined]);
    expect([heap.popDue(30), heap.popDue(30), heap.popDue(30)]).toStrictEqual(['b', 'c', undefined]);
    expect(heap.size).toBe(0);
  });

  it('orders many pseudo-random due times like a sort does', () => {
    const heap = new DueTimeHeap<number>();
    const times: number[] = [];
    let seed = 7;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 48271) % 2147483647;
      times.push(seed % 1000);
      heap.push(seed % 1000, seed % 1000);
    }

    const out: number[] = [];
    for (let t = heap.popDue(Infinity); t !== undefined; t = heap.popDue(Infinity)) out.push(t);

    expect(out).toStrictEqual([...times].sort((a, b) => a - b));
  });
});
