/**
 * {@link ChatStorage} on the browser's `localStorage`, found through `globalThis` and checked at
 * run time, so this module loads anywhere (it falls back to memory where there is none, or where
 * it throws: private mode, a sandboxed frame). Everything read is validated: the storage is shared
 * with anything else on the origin.
 */
import type { ChatMessage } from "../protocol/index.js";
import { MemoryStorage, type ChatStorage, type RoomSnapshot } from "./storage.js";

/** The part of the Web Storage API we use. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

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
    const probe = "live-chat:probe";
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
  private readonly prefix: string;
  private readonly store: KeyValueStore | undefined;
  private readonly fallback = new MemoryStorage();

  constructor(options: Partial<WebStorageOptions> = {}) {
    const opts = { prefix: "live-chat:", store: undefined, ...options } satisfies WebStorageOptions;
    this.prefix = opts.prefix;
    this.store = opts.store ?? globalLocalStorage();
  }

  loadRoom(room: string): RoomSnapshot | undefined {
    if (!this.store) return this.fallback.loadRoom(room);
    const snap = this.read(`room:${room}`) as Partial<RoomSnapshot> | undefined;
    if (typeof snap !== "object" || snap === null) return undefined;
    return {
      lastId: typeof snap.lastId === "string" ? snap.lastId : undefined,
      messages: Array.isArray(snap.messages) ? snap.messages.filter(isChatMessage) : [],
    };
  }

  saveRoom(room: string, snapshot: RoomSnapshot): void {
    if (!this.store) return this.fallback.saveRoom(room, snapshot);
    this.write(`room:${room}`, { lastId: snapshot.lastId, messages: snapshot.messages });
  }

  forgetRoom(room: string): void {
    if (!this.store) return this.fallback.forgetRoom(room);
    this.write(`room:${room}`, undefined);
  }

  loadSession(): string | undefined {
    if (!this.store) return this.fallback.loadSession();
    const value = this.read("session");
    return typeof value === "string" ? value : undefined;
  }

  saveSession(secret: string): void {
    if (!this.store) return this.fallback.saveSession(secret);
    this.write("session", secret);
  }

  private read(key: string): unknown {
    try {
      const raw = this.store!.getItem(this.prefix + key);
      return raw === null ? undefined : (JSON.parse(raw) as unknown);
    } catch {
      return undefined; // a corrupt or foreign entry is as good as none
    }
  }

  private write(key: string, value: unknown): void {
    try {
      if (value === undefined) this.store!.removeItem(this.prefix + key);
      else this.store!.setItem(this.prefix + key, JSON.stringify(value));
    } catch {
      // Full storage: the client still works, it only forgets on reload.
    }
  }
}
