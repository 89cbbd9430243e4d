import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { composeDescription } from '../../../shared/delivery/failureDescription';
import { seenAtNote } from '../../../shared/sending/deadLetterFacts';
import { createDeadLetterRecorder } from '../../../shared/sending/deadLetterRecorder';
import { logDeliveryOutcome } from '../../../shared/sending/deliveryOutcomeLog';
import { Clock, conversation, FakeConversations, FakeDeliveries, received, sendMessage } from '../sending/sendingFakes';
import { readBicep, repoRoot } from './bicepSource';

/**
 * Every KQL query that reads the delivery outcome log (README, alerts.bicep, the workbook) against the line the
 * code really writes: the `startswith` filter must match its text and each field read from `parse_json(message)`
 * must be a key of it. A query that reads a field the line does not have returns nothing, silently.
 */
interface Query {
  where: string;
  text: string;
}

function readmeQueries(): Query[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  return [...readme.matchAll(/```kusto\n([\s\S]*?)```/g)].map((m, i) => ({ where: `README.md kusto block ${i + 1}`, text: m[1]! }));
}

function alertQueries(): Query[] {
  const alerts = readBicep('modules/alerts.bicep');
  return [...alerts.text.matchAll(/'''([\s\S]*?)'''/g)].map((m, i) => ({ where: `alerts.bicep query ${i + 1}`, text: m[1]! }));
}

function workbookQueries(): Query[] {
  const workbook = JSON.parse(readFileSync(join(repoRoot, 'infra', 'modules', 'deliveriesWorkbook.json'), 'utf8')) as {
    items: { name: string; content: { query?: string } }[];
  };
  return workbook.items.flatMap((item) => (item.content.query === undefined ? [] : [{ where: `workbook item ${item.name}`, text: item.content.query }]));
}

/** Field names a query reads from the parsed message: `parse_json(message).f`, or `x.f` / `x['f']` after `extend x = parse_json(message)`. */
function fieldsRead(text: string): string[] {
  const fields = [...text.matchAll(/parse_json\(message\)\.(\w+)/g)].map((m) => m[1]!);
  for (const [, alias] of text.matchAll(/extend\s+(\w+)\s*=\s*parse_json\(message\)/g)) {
    fields.push(...[...text.matchAll(new RegExp(`\\b${alias}\\.(\\w+)`, 'g'))].map((m) => m[1]!));
    fields.push(...[...text.matchAll(new RegExp(`\\b${alias}\\[['"](\\w+)['"]\\]`, 'g'))].map((m) => m[1]!));
  }
  return [...new Set(fields)];
}

/** The text the deadLetter function logs for a dead-lettered send that Teams refused (the line with the most fields). */
async function realOutcomeText(): Promise<string> {
  const clock = new Clock();
  const conversations = new FakeConversations(clock.now);
  const deliveries = new FakeDeliveries(clock.now);
  conversations.put(conversation('a:conv-1'));
  deliveries.add(sendMessage(), { status: 'sending', attempts: 1 });
  const recorder = createDeadLetterRecorder({ conversations, deliveries, now: clock.now });
  const description = composeDescription('HTTP 403 ConversationBlockedByUser: blocked', 'attempt 1 of 8', 'not retried', seenAtNote(clock.now()));
  const record = await recorder.record(received(sendMessage(), { deadLetterReason: 'ConversationBlockedByUser', deadLetterErrorDescription: description }));
  const written: string[] = [];
  const capture = (...args: unknown[]): void => void written.push(String(args[0]));
  logDeliveryOutcome({ info: capture, warn: capture }, record.outcome!);
  expect(written).toHaveLength(1);
  return written[0]!;
}

describe('delivery outcome queries match the logged line', () => {
  const queries = [...readmeQueries(), ...alertQueries(), ...workbookQueries()];
  const deliveryQueries = queries.filter((q) => q.text.includes('parse_json(message)'));
  let text = '';
  let keys: string[] = [];

  beforeAll(async () => {
    text = await realOutcomeText();
    keys = Object.keys(JSON.parse(text) as object);
  });

  it('finds the queries in the README, the alert rules and the workbook', () => {
    const count = (prefix: string): number => deliveryQueries.filter((q) => q.where.startsWith(prefix)).length;
    expect(count('README.md')).toBeGreaterThanOrEqual(1);
    expect(count('alerts.bicep')).toBeGreaterThanOrEqual(2);
    expect(count('workbook')).toBeGreaterThanOrEqual(5);
  });

  it('logs a line that carries every field the dashboards group by', () => {
    expect(keys).toEqual(expect.arrayContaining(['event', 'notificationId', 'conversationId', 'tenantId', 'outcome', 'status', 'code', 'failureClass']));
  });

  it.each(deliveryQueries.map((q) => [q.where, q]))('%s: its startswith filter matches the logged text', (_where, query) => {
    const prefixes = [...query.text.matchAll(/message startswith '([^']*)'/g)].map((m) => m[1]!);
    expect(prefixes.length).toBeGreaterThan(0);
    for (const prefix of prefixes) expect(text.startsWith(prefix)).toBe(true);
  });

  it.each(deliveryQueries.map((q) => [q.where, q]))('%s: reads only fields the logged line has', (_where, query) => {
    const fields = fieldsRead(query.text);
    expect(fields.length).toBeGreaterThan(0);
    expect(fields.filter((f) => !keys.includes(f))).toEqual([]);
  });

  it.each(queries.map((q) => [q.where, q]))('%s: never looks for delivery fields in customDimensions (the Node worker does not put them there)', (_where, query) => {
    const fromDimensions = [...query.text.matchAll(/customDimensions\.(\w+)|customDimensions\[['"](\w+)['"]\]/g)].map((m) => m[1] ?? m[2]!);
    expect(fromDimensions.filter((f) => keys.includes(f))).toEqual([]);
  });
});

describe('host.json keeps every delivery outcome line', () => {
  it('excludes traces from adaptive sampling, so count() over them is exact', () => {
    const host = JSON.parse(readFileSync(join(repoRoot, 'host.json'), 'utf8')) as {
      logging?: { applicationInsights?: { samplingSettings?: { isEnabled?: boolean; excludedTypes?: string } } };
    };
    const sampling = host.logging?.applicationInsights?.samplingSettings;
    const excluded = (sampling?.excludedTypes ?? '').split(';').map((t) => t.trim());
    expect(sampling?.isEnabled === false || excluded.includes('Trace')).toBe(true);
  });
});
