/**
 * Runs `work(0..count-1)` with at most `concurrency` in flight (0 = all at once) and returns the results in
 * index order; the first failure stops new work and is thrown once the running items settle.
 */
export async function runPool<T>(count: number, concurrency: number, work: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  let failure: Error | undefined;
  const lanes = concurrency <= 0 ? count : Math.min(concurrency, count);
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (failure === undefined && next < count) {
        const index = next++;
        try {
          results[index] = await work(index);
        } catch (error) {
          failure ??= error instanceof Error ? error : new Error(String(error));
        }
      }
    }),
  );
  if (failure !== undefined) throw failure;
  return results;
}
