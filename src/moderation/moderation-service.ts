/**
 * What the moderation team does, in one place for both callers: the socket events of the room's
 * streamer and moderators (src/chat/moderation-team-handlers.ts) and the site's HTTP API
 * (src/api/moderation-routes.ts). Who may call what is the caller's business (permissions.ts, or a
 * valid API key). Every action is recorded in the moderation log, and what the team must see is
 * announced on the room's channel (moderator-feed.ts delivers it on every replica).
 */
import type { Logger } from "pino";
import {
  ErrorCode,
  ProtocolError,
  replyExcerpt,
  type BlockedTerm,
  type HeldApproved,
  type HeldMessage,
  type Moderator,
  type ModerationActionName,
  type ModerationActor,
  type ModerationLogEntry,
  type QueueList,
  type ReplyRef,
  type ReportedMessage,
  type TermAction,
  type TermMatch,
  type User,
} from "../protocol/index.js";
import type { MessageStore } from "../store/message-store.js";
import type { ModerationLog } from "../store/moderation-log.js";
import type { ModerationStore, TermScope } from "../store/moderation-store.js";
import type { Announcer } from "./announcer.js";
import type { HeldReleaser } from "./held-releaser.js";
import type { TermFilter } from "./term-filter.js";
import { normalizeText } from "./text-normalize.js";

export interface ModerationServiceDeps {
  store: Pick<MessageStore, "message" | "held" | "releaseHeld" | "denyHeld">;
  team: ModerationStore;
  log: ModerationLog;
  announcer: Pick<Announcer, "say">;
  terms: Pick<TermFilter, "roomChanged" | "siteChanged">;
  releaser: Pick<HeldReleaser, "sweep" | "resolved">;
  /** Tells every other replica that the site's terms changed. */
  siteTermsChanged(): Promise<void>;
  logger: Pick<Logger, "warn">;
  /** @default Date.now */
  now?: () => number;
}

/** Details of one log entry besides who, what and when. */
export type LogDetails = Pick<ModerationLogEntry, "target" | "reason" | "detail">;

/** The site's backend, as the log names it. */
export const SITE_ACTOR: ModerationActor = { id: "system", name: "site", system: true };

export class ModerationService {
  constructor(private readonly deps: ModerationServiceDeps) {}

  /** Records an action in the room's log and tells the team; a failed write is logged, never the action's failure. */
  async record(room: string, by: ModerationActor, action: ModerationActionName, details: LogDetails = {}): Promise<void> {
    try {
      const entry = await this.deps.log.append({ room, at: this.now(), by, action, ...details });
      this.deps.announcer.say(room, [{ type: "log", entry }]);
    } catch (err) {
      this.deps.logger.warn({ err, room, action }, "the moderation log could not record an action");
    }
  }

  log(room: string, query: { before?: string; limit: number }): Promise<ModerationLogEntry[]> {
    return this.deps.log.list(room, query);
  }

  // --- moderators ---------------------------------------------------------------------------------

  async appoint(room: string, who: { userId: string; name?: string }, by: ModerationActor): Promise<boolean> {
    const moderator: Moderator = { userId: who.userId, by: by.system ? "site" : by.id, at: this.now(), ...(who.name ? { name: who.name } : {}) };
    const outcome = await this.deps.team.addModerator(room, moderator);
    if (outcome === "full") throw new ProtocolError(ErrorCode.TooLarge, "this room has as many moderators as it may have; remove one first");
    await this.moderatorsChanged(room, who.userId, true);
    if (outcome === "added") await this.record(room, by, "moderator_add", { target: { userId: who.userId } });
    return outcome === "added";
  }

  async dismiss(room: string, userId: string, by: ModerationActor): Promise<boolean> {
    const removed = await this.deps.team.removeModerator(room, userId);
    if (!removed) return false;
    await this.moderatorsChanged(room, userId, false);
    await this.record(room, by, "moderator_remove", { target: { userId } });
    return true;
  }

  moderators(room: string): Promise<Moderator[]> {
    return this.deps.team.moderators(room);
  }

  isModerator(room: string, userId: string): Promise<boolean> {
    return this.deps.team.isModerator(room, userId);
  }

  // --- the review queue ---------------------------------------------------------------------------

  /** Held and reported messages; what is overdue is released first, so the queue shows what waits. */
  async queue(room: string): Promise<QueueList> {
    await this.deps.releaser.sweep(room).catch(() => undefined);
    const [held, reports] = await Promise.all([this.deps.store.held(room), this.deps.team.reports(room)]);
    return { held, reports };
  }

  async approve(room: string, heldId: string, by: ModerationActor): Promise<HeldApproved> {
    const { items } = await this.deps.store.releaseHeld(room, heldId);
    const item = items[0];
    if (!item) return { approved: false };
    const stored = item.outcome === "stored";
    const resolution = stored ? { kind: "held" as const, id: heldId, outcome: "approved" as const, messageId: item.id!, by } : { kind: "held" as const, id: heldId, outcome: "dropped" as const, by };
    this.resolve(room, [resolution]);
    await this.record(room, by, "held_approve", { target: { heldId, userId: item.held.user.id, ...(stored ? { messageId: item.id! } : {}) } });
    return stored ? { approved: true, messageId: item.id! } : { approved: true };
  }

  async deny(room: string, heldId: string, by: ModerationActor, reason?: string): Promise<boolean> {
    const held = await this.deps.store.denyHeld(room, heldId);
    if (!held) return false;
    this.resolve(room, [{ kind: "held", id: heldId, outcome: "denied", by }]);
    await this.record(room, by, "held_deny", { target: { heldId, userId: held.user.id }, ...(reason ? { reason } : {}) });
    return true;
  }

  /** A held message as moderators see it, from what the sender sent and the store's receipt. */
  static heldMessage(room: string, receipt: Pick<HeldMessage, "id" | "reason" | "releaseAt">, sent: Omit<HeldMessage, "id" | "room" | "reason" | "releaseAt">): HeldMessage {
    return { ...sent, ...receipt, room };
  }

  // --- reports ------------------------------------------------------------------------------------

  /** Files a viewer's report of a message in the room's history; moderators get it at once. */
  async report(room: string, messageId: string, reason: string, reporter: User): Promise<boolean> {
    const message = await this.deps.store.message(room, messageId);
    if (!message || (message.kind !== "chat" && message.kind !== "question")) {
      throw new ProtocolError(ErrorCode.BadRequest, "there is no such message in this room's history");
    }
    const snapshot = { id: message.id, kind: message.kind, text: message.text, user: message.user, ts: message.ts };
    const outcome = await this.deps.team.report(room, snapshot, { by: { id: reporter.id, name: reporter.name }, reason, at: this.now() });
    if ("limitedForMs" in outcome) throw new ProtocolError(ErrorCode.RateLimited, "you have reported enough messages in this room for now", outcome.limitedForMs);
    if (outcome.reported) this.deps.announcer.say(room, [{ type: "report", report: outcome.item }]);
    return outcome.reported;
  }

  async dismissReport(room: string, messageId: string, by: ModerationActor): Promise<boolean> {
    const dismissed = await this.deps.team.dismissReport(room, messageId);
    if (!dismissed) return false;
    this.resolve(room, [{ kind: "report", id: messageId, outcome: "dismissed", by }]);
    await this.record(room, by, "report_dismiss", { target: { messageId } });
    return true;
  }

  /** A message was deleted (by anyone): off the reports queue too, and logged. */
  async deleted(room: string, messageId: string, by: ModerationActor): Promise<void> {
    if (await this.deps.team.dismissReport(room, messageId).catch(() => false)) {
      this.resolve(room, [{ kind: "report", id: messageId, outcome: "deleted", by }]);
    }
  }

  reports(room: string): Promise<ReportedMessage[]> {
    return this.deps.team.reports(room);
  }

  // --- blocked terms ------------------------------------------------------------------------------

  terms(scope: TermScope): Promise<BlockedTerm[]> {
    return this.deps.team.terms(scope);
  }

  async addTerm(scope: TermScope, text: string, rule: { action: TermAction; match: TermMatch }, by: ModerationActor): Promise<BlockedTerm> {
    const term: BlockedTerm = { term: normalizeText(text), ...rule, by: by.system ? "site" : by.id, at: this.now() };
    if (term.term === "") throw new ProtocolError(ErrorCode.BadRequest, "term must contain a visible character");
    const outcome = await this.deps.team.addTerm(scope, term);
    if (outcome === "full") throw new ProtocolError(ErrorCode.TooLarge, "this list has as many blocked terms as it may have; remove some first");
    await this.termsChanged(scope);
    if (scope !== "site") await this.record(scope.room, by, "term_add", { target: { term: term.term }, detail: `${term.action}, ${term.match === "word" ? "whole word" : "anywhere"}` });
    return term;
  }

  async removeTerm(scope: TermScope, text: string, by: ModerationActor): Promise<boolean> {
    const term = normalizeText(text);
    const removed = await this.deps.team.removeTerm(scope, term);
    if (!removed) return false;
    await this.termsChanged(scope);
    if (scope !== "site") await this.record(scope.room, by, "term_remove", { target: { term } });
    return true;
  }

  // --- replies ------------------------------------------------------------------------------------

  /** What a reply to `parentId` carries; `bad_request` when the room's history does not hold it. */
  async replyTo(room: string, parentId: string): Promise<ReplyRef> {
    const parent = await this.deps.store.message(room, parentId);
    if (!parent || parent.kind === "clear") throw new ProtocolError(ErrorCode.BadRequest, "the message you reply to is not in this room's history (deleted, cleared or too old)");
    return { id: parent.id, user: parent.user, excerpt: replyExcerpt(parent.text) };
  }

  private resolve(room: string, items: Parameters<HeldReleaser["resolved"]>[1]): void {
    this.deps.releaser.resolved(room, items);
    this.deps.announcer.say(room, [{ type: "resolved", items: [...items] }]);
  }

  private async moderatorsChanged(room: string, userId: string, appointed: boolean): Promise<void> {
    const moderators = await this.deps.team.moderators(room);
    this.deps.announcer.say(room, [{ type: "moderators", moderators, changed: { userId, appointed } }]);
  }

  private async termsChanged(scope: TermScope): Promise<void> {
    if (scope === "site") {
      this.deps.terms.siteChanged();
      await this.deps.siteTermsChanged();
      return;
    }
    const terms = await this.deps.team.terms(scope);
    // This replica at once (the next send here sees them); the others with the notice.
    this.deps.terms.roomChanged(scope.room, terms);
    this.deps.announcer.say(scope.room, [{ type: "terms", terms }]);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}
