/* global sessionStorage */

const storageKey = 'gatewayConsole.notifications';
const unknownStorageKey = 'gatewayConsole.unknownNotifications';
/** The server reports at most 25 per poll (maxSnapshotNotifications). */
const maxFollowed = 20;

/**
 * Ids of the notifications the page reports on: those it sent and those looked up, newest first. Kept for the
 * tab's life (sessionStorage), so a reload keeps them and a new session of the local host starts clean. An id
 * the gateway answered 404 for stays listed as unknown but is no longer asked for: each ask would be one more
 * NOT_FOUND in the gateway's log, and a notification never appears under an id that was unknown.
 */
export class FollowedNotifications {
  constructor() {
    this.ids = readIds(storageKey);
    this.unknown = readIds(unknownStorageKey).filter((id) => this.ids.includes(id));
  }

  /** The ids to ask the gateway about on the next poll. */
  get polled() {
    return this.ids.filter((id) => !this.unknown.includes(id));
  }

  isUnknown(id) {
    return this.unknown.includes(id);
  }

  /** Following an id again (a new look-up) asks for it again, even after a 404. */
  follow(id) {
    this.ids = [id, ...this.ids.filter((other) => other !== id)].slice(0, maxFollowed);
    this.unknown = this.unknown.filter((other) => other !== id);
    this.save();
  }

  markUnknown(id) {
    if (this.unknown.includes(id) || !this.ids.includes(id)) return;
    this.unknown = [...this.unknown, id];
    this.save();
  }

  forget(id) {
    this.ids = this.ids.filter((other) => other !== id);
    this.unknown = this.unknown.filter((other) => other !== id);
    this.save();
  }

  save() {
    try {
      sessionStorage.setItem(storageKey, JSON.stringify(this.ids));
      sessionStorage.setItem(unknownStorageKey, JSON.stringify(this.unknown));
    } catch {
      // Storage can be full or disabled; following still works until a reload.
    }
  }
}

function readIds(key) {
  try {
    const stored = JSON.parse(sessionStorage.getItem(key) ?? '[]');
    return Array.isArray(stored) ? stored.filter((id) => typeof id === 'string').slice(0, maxFollowed) : [];
  } catch {
    return [];
  }
}
