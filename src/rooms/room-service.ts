/**
 * What can be done to a room, in one place for both callers: the streamer's socket events
 * (src/chat/moderation-handlers.ts) and the site's HTTP API (src/api/). Either way the effect is
 * the same on every replica: state lives in the store (checked by every replica's sends and
 * joins), entries are published by the store in history order, room events go out through the
 * adapter's broadcast, and commands on connections through {@link ReplicaCommands}.
 *
 * Who may call what is the caller's business (streamer of the room, or a valid API key).
 */
import { randomUUID } from "node:crypto";
import {
  ErrorCode,
  ProtocolError,
  type ModerationActionName,
  type ModerationActor,
  type ModerationLogEntry,
  type RoomSettings,
  type ServerToClientEvents,
  type User,
} from "../protocol/index.js";
import type { PresenceStore } from "../presence/presence-store.js";
import type { SendBatcher } from "../delivery/send-batcher.js";
import type { HistoryResult, MessageStore, SettingsChange } from "../store/message-store.js";
import { describeSettingsChange } from "../store/room-settings.js";
import type { ReplicaCommands } from "./replica-commands.js";
import type { ArchivedEntry, MessageArchive } from "../archive/message-archive.js";
import { RoomHistory, type OlderPage } from "./room-history.js";

/** Emits to a room's members on every replica, optionally leaving one socket out. */
export interface RoomBroadcast {
  emit<E extends keyof ServerToClientEvents>(room: string, event: E, payload: Parameters<ServerToClientEvents[E]>[0], except?: string): void;
}

export interface RoomServiceDeps {
  store: MessageStore;
  /** Entries go through the per-room send batching like any message. */
  sends: Pick<SendBatcher, "submit">;
  presence: Pick<PresenceStore, "totals">;
  broadcast: RoomBroadcast;
  replicas: Pick<ReplicaCommands, "kick" | "disconnect">;
  /** Counts room events sent (`event` label as the socket events'). @default none */
  onBroadcast?: (event: string) => void;
  /** The moderation log (issue #21): each action taken with an actor is recorded. @default none */
  audit?: RoomAudit;
  /** The durable archive, read below the hot window (issue #20). @default none: the hot window alone */
  archive?: MessageArchive;
}

/** Where the room's moderation actions are recorded (src/moderation/moderation-service.ts). */
export interface RoomAudit {
  record(room: string, by: ModerationActor, action: ModerationActionName, details?: Pick<ModerationLogEntry, "target" | "reason" | "detail">): Promise<void>;
  /** A message was deleted: off the reports queue too. */
  deleted(room: string, id: string, by: ModerationActor): Promise<void>;
}

/** How the site's own posts appear: a user with a fixed id, role `streamer` for v1 clients, and `system: true`. */
export const SYSTEM_USER_ID = "system";
export const DEFAULT_SYSTEM_NAME = "System";

export interface SystemPost {
  kind: "chat" | "notice";
  text: string;
  /** Display name shown as the author. @default "System" */
  name?: string;
  /** A retry with the same key stores nothing new (for the store's dedup TTL, 10 minutes by default). */
  idempotencyKey?: string;
  /** What the request said; the same key with another fingerprint is a `conflict`. */
  fingerprint?: string;
}

export interface ClearBy {
  user: User;
  /** Socket that asked (left out of the live delivery: it has its ack); "" for the site. */
  sender: string;
  system?: true;
}

export class RoomService {
  private readonly whole: RoomHistory;

  constructor(private readonly deps: RoomServiceDeps) {
    this.whole = new RoomHistory({ store: deps.store, archive: deps.archive, remove: (room, id) => this.remove(room, id) });
  }

  /** Stores a system message or notice from the site; delivered like any entry, marked `system`. */
  async post(room: string, post: SystemPost): Promise<{ id: string; duplicate: boolean }> {
    const outcome = await this.deps.sends.submit(room, {
      kind: post.kind,
      text: post.text,
      user: { id: SYSTEM_USER_ID, name: post.name ?? DEFAULT_SYSTEM_NAME, role: "streamer" },
      dedupKey: `sys:${post.idempotencyKey ?? randomUUID()}`,
      sender: "",
      exempt: true,
      system: true,
      fingerprint: post.fingerprint ?? "",
    });
    if (outcome.id === undefined) {
      throw new ProtocolError(ErrorCode.Conflict, "this idempotency key was used for another request");
    }
    if (!outcome.duplicate) this.deps.onBroadcast?.(post.kind === "notice" ? "notice:send" : "chat:send");
    return { id: outcome.id, duplicate: outcome.duplicate };
  }

  /** Removes a message from history and tells the room (`chat:deleted`); false when it is not there. */
  async remove(room: string, id: string, except?: string, by?: ModerationActor): Promise<boolean> {
    const deleted = await this.deps.store.remove(room, id, by && !by.system ? by.id : "api");
    if (deleted) {
      this.deps.broadcast.emit(room, "chat:deleted", { room, id }, except);
      this.deps.onBroadcast?.("chat:delete");
      if (by) {
        await this.deps.audit?.deleted(room, id, by);
        await this.deps.audit?.record(room, by, "delete", { target: { messageId: id } });
      }
    }
    return deleted;
  }

  async mute(room: string, userId: string, durationSec: number, by?: ModerationActor): Promise<number> {
    const until = await this.deps.store.mute(room, userId, durationSec);
    if (by) await this.deps.audit?.record(room, by, "mute", { target: { userId }, detail: `${durationSec} s` });
    return until;
  }

  /**
   * Bans a user id from the room (until lifted without a duration): stored first, so every
   * replica refuses their sends and joins; then their sockets in the room, on every replica, are
   * told (`room:banned`) and removed.
   */
  async ban(room: string, userId: string, durationSec?: number, by?: ModerationActor): Promise<{ until: number | null; removed: number }> {
    const until = await this.deps.store.ban(room, userId, durationSec);
    const removed = await this.deps.replicas.kick(room, userId, until);
    if (by) await this.deps.audit?.record(room, by, "ban", { target: { userId }, detail: durationSec === undefined ? "until lifted" : `${durationSec} s` });
    return { until, removed };
  }

  async unban(room: string, userId: string, by?: ModerationActor): Promise<boolean> {
    const lifted = await this.deps.store.unban(room, userId);
    if (lifted && by) await this.deps.audit?.record(room, by, "unban", { target: { userId } });
    return lifted;
  }

  /**
   * Clears the room's chat: a `clear` marker entry, stored and published like any entry (so every
   * replica delivers it in order); history reads start after it. Returns the marker's id.
   */
  async clear(room: string, by: ClearBy): Promise<string> {
    const outcome = await this.deps.sends.submit(room, {
      kind: "clear",
      text: "",
      user: by.user,
      dedupKey: `clear:${randomUUID()}`,
      sender: by.sender,
      exempt: true,
      ...(by.system ? { system: true as const } : {}),
    });
    // Exempt and with a fresh key: nothing can refuse it.
    if (outcome.id === undefined) throw new Error(`clear marker refused: ${JSON.stringify(outcome)}`);
    this.deps.onBroadcast?.("chat:clear");
    const { id, name, role } = by.user;
    await this.deps.audit?.record(room, by.system ? { id, name, system: true } : { id, name, role }, "clear");
    return outcome.id;
  }

  /** Opens the room for viewers' messages (with `requireOpenRooms`); returns until when. */
  open(room: string, durationSec?: number): Promise<number> {
    return this.deps.store.open(room, durationSec);
  }

  /** Changes the room's settings given (slow mode, chat modes) and tells its members (`room:settings`). */
  async configure(room: string, change: SettingsChange, by?: ModerationActor): Promise<RoomSettings> {
    const stored = await this.deps.store.configure(room, change);
    this.deps.broadcast.emit(room, "room:settings", { room, ...stored });
    this.deps.onBroadcast?.("room:configure");
    if (by) await this.deps.audit?.record(room, by, "configure", { detail: describeSettingsChange(change) });
    return stored;
  }

  async settings(room: string): Promise<RoomSettings> {
    return (await this.deps.store.access(room)).settings;
  }

  /** Published messages, as a join reads them; `limit` keeps the oldest after `since`, else the newest. */
  async history(room: string, since: string | undefined, limit: number): Promise<HistoryResult> {
    const h = await this.deps.store.history(room, since);
    const messages = h.recovered ? h.messages.slice(0, limit) : h.messages.slice(-limit);
    return { recovered: h.recovered, messages };
  }

  /** Older history across the hot window and the archive (`room:history`, `GET .../messages`): see RoomHistory.older. */
  older(room: string, before: string | undefined, limit: number): Promise<OlderPage> {
    return this.whole.older(room, before, limit);
  }

  /** A time range of the room in id order, every kind (the replay route). */
  replay(room: string, from: number, to: number): AsyncGenerator<ArchivedEntry> {
    return this.whole.replay(room, from, to);
  }

  /** Everything the room holds, deleted entries marked (the export route). */
  export(room: string): AsyncGenerator<ArchivedEntry> {
    return this.whole.export(room);
  }

  /** Erases a user's messages up to `upTo` from the archive and the live history; viewers get `chat:deleted`. */
  eraseUser(userId: string, upTo: number): Promise<{ archived: number; live: number }> {
    return this.whole.eraseUser(userId, upTo);
  }

  /** Viewer totals of many rooms from presence, in one read. */
  viewers(rooms: readonly string[]): Promise<Map<string, number>> {
    return this.deps.presence.totals(rooms);
  }

  /** Closes every connection of `userId` on every replica; resolves with how many. */
  disconnect(userId: string): Promise<number> {
    return this.deps.replicas.disconnect(userId);
  }
}
