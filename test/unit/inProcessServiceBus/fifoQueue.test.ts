import { FifoQueue } from '../../../dev/inProcessServiceBus/fifoQueue';

describe('FifoQueue', () => {
  it('returns items first in, first out, and undefined when empty', () => {
    const fifo = new FifoQueue<number>();
    [1, 2, 3].forEach((n) => fifo.push(n));

    expect([fifo.shift(), fifo.shift(), fifo.shift(), fifo.shift()]).toStrictEqual([1, 2, 3, undefined]);
    expect(fifo.length).toBe(0);
  });

  it('puts an unshifted item in front, also after the consumed prefix was compacted away', () => {
    const fifo = new FifoQueue<number>();
    for (let n = 0; n < 5000; n++) fifo.push(n);
    for (let n = 0; n < 4000; n++) fifo.shift();

    fifo.unshift(3999);
    fifo.unshift(3998);

    expect(fifo.length).toBe(1002);
    expect(fifo.peek()).toBe(3998);
    expect([...fifo].slice(0, 4)).toStrictEqual([3998, 3999, 4000, 4001]);
  });

  it('keeps order through interleaved pushes and shifts across compactions', () => {
    const fifo = new FifoQueue<number>();
    const out: number[] = [];
    for (let n = 0; n < 10_000; n++) {
      fifo.push(n);
      if (n % 3 !== 0) out.push(fifo.shift()!);
    }
    for (let item = fifo.shift(); item !== undefined; item = fifo.shift()) out.push(item);

    expect(out).toStrictEqual(Array.from({ length: 10_000 }, (_, n) => n));
  });
});
