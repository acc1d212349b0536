/**
 * What the viewer page itself keeps across a reload, in `localStorage`: the viewer's name and the
 * open rooms. (Each room's `since` and last messages are the SDK's, in its WebStorage; both keep
 * their entries the same way, src/sdk/json-items.ts.)
 */
import { JsonItems, type KeyValueStore } from "../sdk/json-items.js";

export class PagePrefs {
  private readonly items: JsonItems;

  /** `store` is `window.localStorage` in the page; `prefix` is shared with the SDK's storage. */
  constructor(store: KeyValueStore, prefix?: string) {
    this.items = new JsonItems(store, prefix);
  }

  get name(): string | undefined {
    const v = this.items.read("name");
    return typeof v === "string" ? v : undefined;
  }

  set name(value: string | undefined) {
    this.items.write("name", value);
  }

  get rooms(): string[] {
    const v = this.items.read("rooms");
    return Array.isArray(v) && v.every((r) => typeof r === "string") ? v : [];
  }

  set rooms(value: string[]) {
    this.items.write("rooms", value);
  }
}
