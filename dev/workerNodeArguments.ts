/**
 * The Node arguments the gateway's worker runs with: in Azure (`languageWorkers__node__arguments` in
 * infra/modules/functionApp.bicep) and locally (`npm start`, so the bench measures the deployed setting).
 * test/unit/infra/workerNodeArguments.test.ts pins both to these.
 *
 * Why a heap ceiling: V8 decides how far the heap may grow between collections from its limit, and without a
 * flag that limit follows the machine's memory (about 4 GB here). The worker's live heap stays near 30-60 MB,
 * yet with that headroom it peaked at 213 MB RSS, mostly garbage not yet collected. With 384 MB, 4 tenants ×
 * 500 peak at 145-148 MB and the CPU per delivery is unchanged (README, *Current figures*). 384 MB is still six
 * times the live heap: every list the gateway reads is paged or streamed, request bodies are capped at 1 MiB.
 */
export const workerMaxOldSpaceMB = 384;

export const workerNodeArguments: readonly string[] = [`--max-old-space-size=${workerMaxOldSpaceMB}`];

/** What `npm start` runs after its build (package.json "start"), from the repository root. */
export const localHostCommand: readonly string[] = ['dist/dev/withEmulatorCa.js', 'node', ...workerNodeArguments, 'dist/dev/localHost.js'];
