/**
 * A room's moderation notices on this replica (from the NoticeBus: the room's channel, or the
 * in-memory store), to where they matter: the room's moderators and streamer connected here (the
 * `mod:*` events: nobody else gets them, and no client can ask for them by joining a room id), the
 * held-message timers, the senders waiting for an outcome, the term cache, and the connections of
 * a user whose role changed. Local moderator connections are an index by room, kept on join, leave
 * and role changes: a notice costs a map lookup, not a walk over the room's viewers.
 */
import type { Logger } from "pino";
import type { ChatNamespace, ServerSocket } from "../socket/chat-io.js";
import type { ModerationNotice } from "../store/moderation-notice.js";
import type { HeldAcks } from "./held-acks.js";
import type { HeldReleaser } from "./held-releaser.js";
import { roleIn } from "./permissions.js";
import type { TermFilter } from "./term-filter.js";

export interface ModeratorFeedDeps {
  nsp: ChatNamespace;
  releaser: HeldReleaser;
  acks: HeldAcks;
  terms: TermFilter;
  logger: Pick<Logger, "warn">;
}

export class ModeratorFeed {
  /** Room -> ids of this replica's connections that moderate it (streamer or moderator). */
  private readonly team = new Map<string, Set<string>>();

  constructor(private readonly deps: ModeratorFeedDeps) {}

  /** A connection joined `room` as its streamer or a moderator. */
  add(room: string, socketId: string): void {
    const ids = this.team.get(room) ?? new Set();
    this.team.set(room, ids.add(socketId));
  }

  /** A connection left `room` (or lost its role there). */
  remove(room: string, socketId: string): void {
    const ids = this.team.get(room);
    ids?.delete(socketId);
    if (ids?.size === 0) this.team.delete(room);
  }

  /** Whether the connection gets `room`'s moderation events. */
  has(room: string, socketId: string): boolean {
    return this.team.get(room)?.has(socketId) ?? false;
  }

  deliver(room: string, notices: readonly ModerationNotice[]): void {
    for (const notice of notices) {
      try {
        this.one(room, notice);
      } catch (err) {
        this.deps.logger.warn({ err, room, notice: notice.type }, "a moderation notice could not be handled");
      }
    }
  }

  private one(room: string, notice: ModerationNotice): void {
    switch (notice.type) {
      case "held":
        this.deps.releaser.seen(room, notice.messages);
        return this.toTeam(room, (s) => s.emit("mod:held", { room, messages: notice.messages }));
      case "resolved":
        this.deps.releaser.resolved(room, notice.items);
        this.deps.acks.resolved(room, notice.items);
        return this.toTeam(room, (s) => s.emit("mod:resolved", { room, items: notice.items }));
      case "report":
        return this.toTeam(room, (s) => s.emit("mod:report", { room, report: notice.report }));
      case "log":
        return this.toTeam(room, (s) => s.emit("mod:log", { room, entry: notice.entry }));
      case "terms":
        this.deps.terms.roomChanged(room, notice.terms);
        return this.toTeam(room, (s) => s.emit("mod:terms", { room, terms: notice.terms }));
      case "moderators":
        this.roleChanged(room, notice.changed.userId, notice.changed.appointed);
        return this.toTeam(room, (s) => s.emit("mod:moderators", { room, moderators: notice.moderators }));
    }
  }

  /** The user's connections in the room learn their new role, and join or leave the team here. */
  private roleChanged(room: string, userId: string, appointed: boolean): void {
    const { nsp } = this.deps;
    for (const sid of nsp.adapter.rooms.get(room) ?? []) {
      const socket = nsp.sockets.get(sid);
      if (!socket || socket.data.user?.id !== userId) continue;
      if (appointed) (socket.data.moderates ??= new Set()).add(room);
      else socket.data.moderates?.delete(room);
      const role = roleIn(socket.data.user, room, appointed);
      if (role === "viewer") this.remove(room, sid);
      else this.add(room, sid);
      socket.emit("room:role", { room, role });
    }
  }

  private toTeam(room: string, send: (socket: ServerSocket) => void): void {
    for (const sid of this.team.get(room) ?? []) {
      const socket = this.deps.nsp.sockets.get(sid);
      if (socket) send(socket);
    }
  }
}
