/**
 * What the pages keep across a reload, in `localStorage`: the viewer's name, the open rooms, and
 * per room the newest message id (the `since` of the next join) plus the last few messages, so a
 * reloaded page shows the conversation at once and then only what it missed.
 */
import type { ChatMessage } from "../protocol/index.js";

export interface PageStorageOptions {
  /** Key prefix, so two apps on one origin do not collide. @default "live-chat:" */
  prefix: string;
  /** Messages kept per room for the next page load. @default 50 */
  cachedMessages: number;
}

const defaults: PageStorageOptions = { prefix: "live-chat:", cachedMessages: 50 };

export interface RoomSnapshot {
  lastId: string | undefined;
  messages: ChatMessage[];
}

/** Storage is shared with anything else on the origin: trust only well-formed messages. */
function isChatMessage(m: unknown): m is ChatMessage {
  const v = m as Partial<ChatMessage> | null;
  return (
    typeof v === "object" && v !== null && typeof v.id === "string" && typeof v.text === "string" &&
    typeof v.ts === "number" && (v.kind === "chat" || v.kind === "question") &&
    typeof v.user === "object" && v.user !== null && typeof v.user.name === "string"
  );
}

export class PageStorage {
  private readonly opts: PageStorageOptions;

  /** `store` is `window.localStorage` in the pages; anything with the Storage methods in tests. */
  constructor(
    private readonly store: Pick<Storage, "getItem" | "setItem" | "removeItem">,
    options: Partial<PageStorageOptions> = {},
  ) {
    this.opts = { ...defaults, ...options } satisfies PageStorageOptions;
  }

  get name(): string | undefined {
    return this.read<string>("name", (v) => typeof v === "string");
  }

  set name(value: string | undefined) {
    this.write("name", value);
  }

  get rooms(): string[] {
    return this.read<string[]>("rooms", (v) => Array.isArray(v) && v.every((r) => typeof r === "string")) ?? [];
  }

  set rooms(value: string[]) {
    this.write("rooms", value);
  }

  room(room: string): RoomSnapshot {
    const snap = this.read<RoomSnapshot>(`room:${room}`, (v) => typeof v === "object" && v !== null);
    return {
      lastId: typeof snap?.lastId === "string" ? snap.lastId : undefined,
      messages: Array.isArray(snap?.messages) ? snap.messages.filter(isChatMessage) : [],
    };
  }

  saveRoom(room: string, snapshot: RoomSnapshot): void {
    this.write(`room:${room}`, { lastId: snapshot.lastId, messages: snapshot.messages.slice(-this.opts.cachedMessages) });
  }

  forgetRoom(room: string): void {
    this.write(`room:${room}`, undefined);
  }

  private read<T>(key: string, valid: (v: unknown) => boolean): T | undefined {
    try {
      const raw = this.store.getItem(this.opts.prefix + key);
      if (raw === null) return undefined;
      const value: unknown = JSON.parse(raw);
      return valid(value) ? (value as T) : undefined;
    } catch {
      return undefined; // a corrupt or foreign entry is as good as none
    }
  }

  private write(key: string, value: unknown): void {
    try {
      if (value === undefined) this.store.removeItem(this.opts.prefix + key);
      else this.store.setItem(this.opts.prefix + key, JSON.stringify(value));
    } catch {
      // Full or disabled storage (private mode): the page still works, it just forgets on reload.
    }
  }
}
