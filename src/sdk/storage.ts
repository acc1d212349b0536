/**
 * What a client keeps across reconnects and reloads: per room the `since` of its next join and the
 * last messages (so a reloaded page shows the conversation at once, then only what it missed), and
 * the anonymous session secret. {@link MemoryStorage} for Node and tests; `WebStorage` for browsers.
 */
import type { ChatMessage } from "../protocol/index.js";

export interface RoomSnapshot {
  /** The id to join with next time (`since`): everything up to it was seen. */
  lastId: string | undefined;
  /** The newest messages, oldest first. */
  messages: ChatMessage[];
}

export interface ChatStorage {
  loadRoom(room: string): RoomSnapshot | undefined;
  saveRoom(room: string, snapshot: RoomSnapshot): void;
  forgetRoom(room: string): void;
  loadSession(): string | undefined;
  saveSession(secret: string): void;
}

/** Keeps everything in this process; several clients sharing one instance share their last ids. */
export class MemoryStorage implements ChatStorage {
  private readonly rooms = new Map<string, RoomSnapshot>();
  private session: string | undefined;

  loadRoom(room: string): RoomSnapshot | undefined {
    const snap = this.rooms.get(room);
    return snap && { lastId: snap.lastId, messages: [...snap.messages] };
  }

  saveRoom(room: string, snapshot: RoomSnapshot): void {
    this.rooms.set(room, { lastId: snapshot.lastId, messages: [...snapshot.messages] });
  }

  forgetRoom(room: string): void {
    this.rooms.delete(room);
  }

  loadSession(): string | undefined {
    return this.session;
  }

  saveSession(secret: string): void {
    this.session = secret;
  }
}
