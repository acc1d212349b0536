/**
 * JSON values under prefixed keys of a Web Storage-like store (the browser's `localStorage`), kept
 * so that nothing in the store can break its reader: a corrupt or foreign entry reads as none, and
 * a full or disabled store (private mode) forgets quietly. The SDK's WebStorage and the pages' own
 * preferences (src/client/page-prefs.ts) both keep their entries this way.
 */

/** The part of the Web Storage API we use. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Key prefix of what the chat keeps in a page's storage, so two apps on one origin do not collide. */
export const STORAGE_PREFIX = "live-chat:";

export class JsonItems {
  constructor(
    private readonly store: KeyValueStore,
    private readonly prefix = STORAGE_PREFIX,
  ) {}

  /** The value under `key`, or undefined. */
  read(key: string): unknown {
    try {
      const raw = this.store.getItem(this.prefix + key);
      return raw === null ? undefined : (JSON.parse(raw) as unknown);
    } catch {
      return undefined; // a corrupt or foreign entry is as good as none
    }
  }

  /** Stores `value` under `key`; undefined removes it. */
  write(key: string, value: unknown): void {
    try {
      if (value === undefined) this.store.removeItem(this.prefix + key);
      else this.store.setItem(this.prefix + key, JSON.stringify(value));
    } catch {
      // Full or disabled storage: the client and the page still work, they only forget on reload.
    }
  }
}
