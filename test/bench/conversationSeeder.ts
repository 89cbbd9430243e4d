import { type TableClient, type TransactionAction } from '@azure/data-tables';

import { findFreePort } from '../../dev/freePort';
import { inboundActivities } from '../../dev/teamsEmulator/inboundActivities';
import { teamsIds } from '../../dev/teamsEmulator/teamsIds';
import { type EmulatedConversation } from '../../dev/teamsEmulator/teamsState';
import { conversationFactsOf } from '../../shared/activity/conversationFacts';
import { classifyLifecycle, eventTimeOf } from '../../shared/activity/conversationLifecycle';
import { conversationReferenceOf } from '../../shared/activity/conversationReference';
import { parseInboundActivity } from '../../shared/activity/inboundActivity';
import { tableNames } from '../../shared/resourceNames';
import { conversationToEntity, indexRowToEntity } from '../../shared/store/conversationEntity';
import { indexRowsOf } from '../../shared/store/conversationIndexRows';
import { type ActivityInput, newRecordFromActivity } from '../../shared/store/conversationTransitions';
import { createTableClient } from '../../shared/store/tableClientFactory';
import { type CreatedConversation, type EmulatorControl } from './emulatorControl';
import { runPool } from './workPool';

/** The gateway's two conversation tables in the bench's Azurite. */
export interface SeedTables {
  conversations: TableClient;
  index: TableClient;
}

export interface SeedOptions {
  control: EmulatorControl;
  tables: SeedTables;
  concurrency: number;
  /** Called every 1,000 conversations of a large seed. */
  progress?: (done: number) => void;
}

export function benchSeedTables(tablesConnectionString: string): SeedTables {
  const connection = { kind: 'connectionString' as const, connectionString: tablesConnectionString };
  return { conversations: createTableClient(connection, tableNames.conversations), index: createTableClient(connection, tableNames.conversationIndex) };
}

/** A Table Storage transaction holds at most 100 operations, all in one partition. */
const maxTransactionSize = 100;

/**
 * Installs the bot in `count` new personal chats of `tenantId`. Teams (the emulator) gets the conversations
 * through its control API; the gateway's tables get exactly the entities its store writes for the emulator's
 * installationUpdate (the gateway's own parsing, transition and entity mapping), the index rows created in
 * transactions per partition. Going through the store adapter costs six Azurite requests per conversation,
 * and Azurite scans the whole partition for each point operation (all of a tenant's index rows share one),
 * which made 10,000 seeds take several minutes; /api/messages has its own figure.
 */
export async function seedConversations(options: SeedOptions, tenantId: string, count: number, label: string): Promise<CreatedConversation[]> {
  const { control, tables } = options;
  await Promise.all([tables.conversations.createTable(), tables.index.createTable()]);
  // Teams' install events must not reach a running gateway: they go to a port nobody listens on.
  const gatewayUrl = await control.gatewayUrl();
  await control.setGatewayUrl(`http://127.0.0.1:${await findFreePort()}`);
  const indexRows = new Map<string, ReturnType<typeof indexRowToEntity>[]>();
  let created: CreatedConversation[];
  try {
    let done = 0;
    created = await runPool(count, options.concurrency, async (index) => {
      const conversation = await control.createPersonalConversation(tenantId, `${label} user ${index}`);
      const now = new Date();
      const activity = inboundActivities.installationUpdate(emulatedConversation(conversation), conversation.bot, 'add', teamsIds.eventActivity(), now);
      const record = newRecordFromActivity(activityInputOf(JSON.stringify(activity), now), now);
      await tables.conversations.createEntity(conversationToEntity(record));
      for (const row of indexRowsOf(record)) {
        const entity = indexRowToEntity(row);
        const partition = indexRows.get(entity.partitionKey) ?? [];
        partition.push(entity);
        indexRows.set(entity.partitionKey, partition);
      }
      if (++done % 1000 === 0) options.progress?.(done);
      return conversation;
    });
  } finally {
    await control.setGatewayUrl(gatewayUrl);
  }
  const batches: TransactionAction[][] = [];
  for (const rows of indexRows.values()) {
    for (let at = 0; at < rows.length; at += maxTransactionSize) batches.push(rows.slice(at, at + maxTransactionSize).map((row) => ['create', row]));
  }
  // One at a time: Azurite runs transactions one after another anyway. Creates, not upserts: the
  // conversations are new, and an upsert makes Azurite scan the partition once more per row.
  await runPool(batches.length, 1, async (index) => tables.index.submitTransaction(batches[index] ?? []));
  return created;
}

/** What the gateway's receiveActivity makes of an inbound activity for the store (minus the JWT check). */
function activityInputOf(bodyText: string, receivedAt: Date): ActivityInput {
  const activity = parseInboundActivity(bodyText);
  const eventAt = eventTimeOf(activity, receivedAt);
  const lifecycle = classifyLifecycle(activity);
  const input: ActivityInput = { reference: conversationReferenceOf(activity), facts: conversationFactsOf(activity), eventAt };
  if (lifecycle !== undefined) {
    input.change = {
      status: lifecycle.status,
      reason: lifecycle.reason,
      at: eventAt,
      ...(lifecycle.onlyIfRemovedFor === undefined ? {} : { onlyIfRemovedFor: lifecycle.onlyIfRemovedFor }),
    };
  }
  return input;
}

/** The emulator's view of a conversation, rebuilt from its create answer, to shape activities as it would. */
export function emulatedConversation(created: CreatedConversation): EmulatedConversation {
  const now = new Date().toISOString();
  return {
    id: created.conversationId,
    type: 'personal',
    tenantId: created.tenantId,
    serviceUrl: created.serviceUrl,
    locale: 'en-US',
    user: created.user,
    members: [created.user],
    installed: true,
    blocked: false,
    deleted: false,
    createdAt: now,
    changedAt: now,
  };
}
