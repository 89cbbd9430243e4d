/* global sessionStorage */

const storageKey = 'gatewayConsole.notifications';
/** The server reports at most 25 per poll (maxSnapshotNotifications). */
const maxFollowed = 20;

/**
 * Ids of the notifications the page reports on: those it sent and those looked up, newest first. Kept for the
 * tab's life (sessionStorage), so a reload keeps them and a new session of the local host starts clean.
 */
export class FollowedNotifications {
  constructor() {
    try {
      const stored = JSON.parse(sessionStorage.getItem(storageKey) ?? '[]');
      this.ids = Array.isArray(stored) ? stored.filter((id) => typeof id === 'string').slice(0, maxFollowed) : [];
    } catch {
      this.ids = [];
    }
  }

  follow(id) {
    this.ids = [id, ...this.ids.filter((other) => other !== id)].slice(0, maxFollowed);
    this.save();
  }

  forget(id) {
    this.ids = this.ids.filter((other) => other !== id);
    this.save();
  }

  save() {
    try {
      sessionStorage.setItem(storageKey, JSON.stringify(this.ids));
    } catch {
      // Storage can be full or disabled; following still works until a reload.
    }
  }
}
