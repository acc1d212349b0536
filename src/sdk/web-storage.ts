/**
 * {@link ChatStorage} on the browser's `localStorage`, found through `globalThis` and checked at
 * run time, so this module loads anywhere (it falls back to memory where there is none, or where
 * it throws: private mode, a sandboxed frame). Everything read is validated: the storage is shared
 * with anything else on the origin.
 */
import type { ChatMessage } from "../protocol/index.js";
import { JsonItems, STORAGE_PREFIX, type KeyValueStore } from "./json-items.js";
import { MemoryStorage, type ChatStorage, type RoomSnapshot } from "./storage.js";

export type { KeyValueStore };

export interface WebStorageOptions {
  /** Key prefix, so two apps on one origin do not collide. @default "live-chat:" */
  prefix: string;
  /** The store. @default globalThis.localStorage when usable */
  store: KeyValueStore | undefined;
}

/** `globalThis.localStorage`, or undefined when absent or unusable. */
export function globalLocalStorage(): KeyValueStore | undefined {
  try {
    const store = (globalThis as { localStorage?: KeyValueStore }).localStorage;
    if (!store) return undefined;
    const probe = `${STORAGE_PREFIX}probe`;
    store.setItem(probe, "1");
    store.removeItem(probe);
    return store;
  } catch {
    return undefined;
  }
}

function isChatMessage(m: unknown): m is ChatMessage {
  const v = m as Partial<ChatMessage> | null;
  return (
    typeof v === "object" && v !== null && typeof v.id === "string" && typeof v.text === "string" &&
    typeof v.ts === "number" && (v.kind === "chat" || v.kind === "question") &&
    typeof v.user === "object" && v.user !== null && typeof v.user.name === "string"
  );
}

export class WebStorage implements ChatStorage {
  /** Undefined without a usable store: then everything is kept in memory. */
  private readonly items: JsonItems | undefined;
  private readonly fallback = new MemoryStorage();

  constructor(options: Partial<WebStorageOptions> = {}) {
    const opts = { prefix: STORAGE_PREFIX, store: undefined, ...options } satisfies WebStorageOptions;
    const store = opts.store ?? globalLocalStorage();
    this.items = store ? new JsonItems(store, opts.prefix) : undefined;
  }

  loadRoom(room: string): RoomSnapshot | undefined {
    if (!this.items) return this.fallback.loadRoom(room);
    const snap = this.items.read(`room:${room}`) as Partial<RoomSnapshot> | undefined;
    if (typeof snap !== "object" || snap === null) return undefined;
    return {
      lastId: typeof snap.lastId === "string" ? snap.lastId : undefined,
      messages: Array.isArray(snap.messages) ? snap.messages.filter(isChatMessage) : [],
    };
  }

  saveRoom(room: string, snapshot: RoomSnapshot): void {
    if (!this.items) return this.fallback.saveRoom(room, snapshot);
    this.items.write(`room:${room}`, { lastId: snapshot.lastId, messages: snapshot.messages });
  }

  forgetRoom(room: string): void {
    if (!this.items) return this.fallback.forgetRoom(room);
    this.items.write(`room:${room}`, undefined);
  }

  loadSession(): string | undefined {
    if (!this.items) return this.fallback.loadSession();
    const value = this.items.read("session");
    return typeof value === "string" ? value : undefined;
  }

  saveSession(secret: string): void {
    if (!this.items) return this.fallback.saveSession(secret);
    this.items.write("session", secret);
  }
}
