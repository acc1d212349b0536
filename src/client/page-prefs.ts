/**
 * What the viewer page itself keeps across a reload, in `localStorage`: the viewer's name and the
 * open rooms. (Each room's `since` and last messages are the SDK's, in its WebStorage.)
 */
import type { KeyValueStore } from "../sdk/index.js";

export class PagePrefs {
  /** `store` is `window.localStorage` in the page; `prefix` is shared with the SDK's storage. */
  constructor(
    private readonly store: KeyValueStore,
    private readonly prefix = "live-chat:",
  ) {}

  get name(): string | undefined {
    const v = this.read("name");
    return typeof v === "string" ? v : undefined;
  }

  set name(value: string | undefined) {
    this.write("name", value);
  }

  get rooms(): string[] {
    const v = this.read("rooms");
    return Array.isArray(v) && v.every((r) => typeof r === "string") ? v : [];
  }

  set rooms(value: string[]) {
    this.write("rooms", value);
  }

  private read(key: string): unknown {
    try {
      const raw = this.store.getItem(this.prefix + key);
      return raw === null ? undefined : (JSON.parse(raw) as unknown);
    } catch {
      return undefined; // a corrupt or foreign entry is as good as none
    }
  }

  private write(key: string, value: unknown): void {
    try {
      if (value === undefined) this.store.removeItem(this.prefix + key);
      else this.store.setItem(this.prefix + key, JSON.stringify(value));
    } catch {
      // Full or disabled storage (private mode): the page still works, it just forgets on reload.
    }
  }
}
