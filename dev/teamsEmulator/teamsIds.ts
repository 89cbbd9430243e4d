import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Ids in Teams' real forms, so the gateway's key encoding meets what production sends: personal chats `a:1...`
 * (long, base64url-ish, with `-` and `_`), group chats `19:...@thread.v2`, channels `19:...@thread.tacv2`,
 * users `29:1...`, Entra object ids as GUIDs, event activities `f:...`.
 */
export const teamsIds = {
  personalConversation: (): string => `a:1${randomBytes(84).toString('base64url')}`,
  groupChat: (): string => `19:${randomBytes(16).toString('hex')}@thread.v2`,
  channel: (): string => `19:${randomBytes(16).toString('hex')}@thread.tacv2`,
  user: (): string => `29:1${randomBytes(60).toString('base64url')}`,
  aadObjectId: (): string => randomUUID(),
  eventActivity: (): string => `f:${randomBytes(16).toString('hex')}`,
};

/** Teams message ids are epoch milliseconds (`1699999999999`); kept unique by stepping past the last one. */
export class MessageIdClock {
  private last = 0;

  next(nowInMs: number): string {
    this.last = Math.max(Math.floor(nowInMs), this.last + 1);
    return String(this.last);
  }
}
