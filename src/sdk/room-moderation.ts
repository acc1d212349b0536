/**
 * A room's moderation tools in the SDK (`room.moderation`): what the room's streamer and
 * moderators do (appoint moderators, work the review queue, manage blocked terms, read the log)
 * and what they hear (`held`, `resolved`, `report`, `log`, `moderators`, `terms`). Requests retry
 * like the room's own (after a reconnect, `unavailable`); a refusal (`forbidden` for a viewer)
 * rejects with a ChatError. No state of its own: a UI keeps the queue from `queue()` and the events.
 */
import type {
  BlockedTerm,
  ClientToServerEvents,
  HeldApproved,
  Moderator,
  ModerationLogEntry,
  QueueList,
  TermAction,
  TermMatch,
} from "../protocol/index.js";
import { Emitter } from "./emitter.js";
import type { ModerationEvents } from "./events.js";
import type { AckOf, RequestOf, Requests } from "./requests.js";
import type { AttemptResult, RetryRunner } from "./retry-runner.js";

export interface RoomModerationDeps {
  room: string;
  requests: Requests;
  runner: RetryRunner;
  ackTimeoutMs: number;
  reportError(err: unknown): void;
}

type Ok<E extends keyof ClientToServerEvents> = Extract<AckOf<E>, { ok: true }>;

export class RoomModeration extends Emitter<ModerationEvents> {
  constructor(private readonly deps: RoomModerationDeps) {
    super(deps.reportError);
  }

  /** Appoints a moderator (the room's streamer only); false when they were one already. */
  async appoint(userId: string, name?: string): Promise<boolean> {
    return (await this.ask("mod:add", name === undefined ? { room: this.room, userId } : { room: this.room, userId, name })).added;
  }

  /** Removes an appointed moderator (the room's streamer only). */
  async dismiss(userId: string): Promise<boolean> {
    return (await this.ask("mod:remove", { room: this.room, userId })).removed;
  }

  async moderators(): Promise<Moderator[]> {
    return (await this.ask("mod:list", { room: this.room })).moderators;
  }

  /** The held (oldest first) and reported (newest report first) messages. */
  async queue(): Promise<QueueList> {
    const { held, reports } = await this.ask("queue:list", { room: this.room });
    return { held, reports };
  }

  /** Stores a held message now; `messageId` is its id (absent: its author was banned meanwhile). */
  async approve(heldId: string): Promise<HeldApproved> {
    const { approved, messageId } = await this.ask("held:approve", { room: this.room, id: heldId });
    return messageId === undefined ? { approved } : { approved, messageId };
  }

  /** Removes a held message unseen; its sender is told. */
  async deny(heldId: string, reason?: string): Promise<boolean> {
    return (await this.ask("held:deny", reason === undefined ? { room: this.room, id: heldId } : { room: this.room, id: heldId, reason })).denied;
  }

  /** Takes a reported message off the queue, keeping it (remove it with `room.deleteMessage`). */
  async dismissReport(messageId: string): Promise<boolean> {
    return (await this.ask("report:dismiss", { room: this.room, id: messageId })).dismissed;
  }

  async terms(): Promise<BlockedTerm[]> {
    return (await this.ask("terms:list", { room: this.room })).terms;
  }

  async addTerm(term: string, action: TermAction, match: TermMatch = "word"): Promise<BlockedTerm> {
    return (await this.ask("terms:add", { room: this.room, term, action, match })).term;
  }

  async removeTerm(term: string): Promise<boolean> {
    return (await this.ask("terms:remove", { room: this.room, term })).removed;
  }

  /** The room's moderation log, newest first; `before` an entry id for the page after it. */
  async log(options: { before?: string; limit?: number } = {}): Promise<ModerationLogEntry[]> {
    return (await this.ask("log:list", { room: this.room, ...options })).entries;
  }

  /** @internal The client hands over the moderators' events of this room. */
  feed<E extends keyof ModerationEvents>(event: E, payload: ModerationEvents[E]): void {
    this.emit(event, payload);
  }

  private get room(): string {
    return this.deps.room;
  }

  private ask<E extends keyof ClientToServerEvents>(event: E, req: RequestOf<E>): Promise<Ok<E>> {
    const { requests, runner, ackTimeoutMs } = this.deps;
    return runner.run(() => requests.send(event, req, ackTimeoutMs) as Promise<AttemptResult<object>>) as Promise<Ok<E>>;
  }
}
