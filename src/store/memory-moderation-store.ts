import type { BlockedTerm, Moderator, Report, ReportedMessage } from "../protocol/index.js";
import {
  REPORT_WINDOW_MS,
  defaultModerationStoreOptions,
  type ModerationStore,
  type ModerationStoreOptions,
  type ReportOutcome,
  type TermScope,
} from "./moderation-store.js";

interface RoomModeration {
  moderators: Map<string, Moderator>;
  terms: Map<string, BlockedTerm>;
  /** By message id, in the order last reported (the newest last). */
  reports: Map<string, ReportedMessage>;
  /** User id -> their reports in this room within the window (times). */
  reporters: Map<string, number[]>;
}

/** The embedded moderation store: one process, in memory (see ModerationStore). */
export class MemoryModerationStore implements ModerationStore {
  private readonly rooms = new Map<string, RoomModeration>();
  private readonly site = new Map<string, BlockedTerm>();
  private readonly opts: ModerationStoreOptions;

  /**
   * @param maxRooms rooms kept (EMBEDDED_MAX_ROOMS, as the message store); the one unused longest goes first.
   */
  constructor(
    options: Partial<ModerationStoreOptions> = {},
    private readonly now: () => number = Date.now,
    private readonly maxRooms = 10_000,
  ) {
    this.opts = { ...defaultModerationStoreOptions, ...options } satisfies ModerationStoreOptions;
  }

  async addModerator(room: string, moderator: Moderator): Promise<"added" | "exists" | "full"> {
    const { moderators } = this.room(room);
    const existing = moderators.get(moderator.userId);
    if (existing) {
      moderators.set(moderator.userId, { ...existing, ...(moderator.name ? { name: moderator.name } : {}) });
      return "exists";
    }
    if (moderators.size >= this.opts.maxModerators) return "full";
    moderators.set(moderator.userId, { ...moderator });
    return "added";
  }

  async removeModerator(room: string, userId: string): Promise<boolean> {
    return this.rooms.get(room)?.moderators.delete(userId) ?? false;
  }

  async moderators(room: string): Promise<Moderator[]> {
    return [...(this.rooms.get(room)?.moderators.values() ?? [])].map((m) => ({ ...m }));
  }

  async isModerator(room: string, userId: string): Promise<boolean> {
    return this.appointed(room, userId);
  }

  /** {@link isModerator} at once (the in-memory message store reads it in a join's step). */
  appointed(room: string, userId: string): boolean {
    return this.rooms.get(room)?.moderators.has(userId) ?? false;
  }

  async terms(scope: TermScope): Promise<BlockedTerm[]> {
    return [...(this.termsOf(scope)?.values() ?? [])].map((t) => ({ ...t }));
  }

  async addTerm(scope: TermScope, term: BlockedTerm): Promise<"added" | "exists" | "full"> {
    const terms = this.termsOf(scope, true)!;
    if (terms.has(term.term)) {
      terms.set(term.term, { ...term });
      return "exists";
    }
    if (terms.size >= (scope === "site" ? this.opts.maxSiteTerms : this.opts.maxRoomTerms)) return "full";
    terms.set(term.term, { ...term });
    return "added";
  }

  async removeTerm(scope: TermScope, term: string): Promise<boolean> {
    return this.termsOf(scope)?.delete(term) ?? false;
  }

  async report(room: string, message: ReportedMessage["message"] & { id: string }, report: Report): Promise<ReportOutcome> {
    const state = this.room(room);
    const existing = state.reports.get(message.id);
    if (existing?.reports.some((r) => r.by.id === report.by.id)) return { reported: false, item: structuredClone(existing) };
    const now = this.now();
    const recent = (state.reporters.get(report.by.id) ?? []).filter((at) => at > now - REPORT_WINDOW_MS);
    if (recent.length >= this.opts.reportsPerUserPerHour) return { limitedForMs: recent[0]! + REPORT_WINDOW_MS - now };
    state.reporters.set(report.by.id, [...recent, now]);
    const { id, ...snapshot } = message;
    const item: ReportedMessage = existing ?? { id, room, message: snapshot, reports: [], count: 0 };
    item.reports = [...item.reports, report].slice(-this.opts.reportsPerMessage);
    item.count++;
    state.reports.delete(id);
    state.reports.set(id, item);
    while (state.reports.size > this.opts.maxReportedPerRoom) state.reports.delete(state.reports.keys().next().value!);
    return { reported: true, item: structuredClone(item) };
  }

  async reports(room: string): Promise<ReportedMessage[]> {
    return [...(this.rooms.get(room)?.reports.values() ?? [])].reverse().map((r) => structuredClone(r));
  }

  async dismissReport(room: string, messageId: string): Promise<boolean> {
    return this.rooms.get(room)?.reports.delete(messageId) ?? false;
  }

  async close(): Promise<void> {
    this.rooms.clear();
    this.site.clear();
  }

  private termsOf(scope: TermScope, create = false): Map<string, BlockedTerm> | undefined {
    if (scope === "site") return this.site;
    return create ? this.room(scope.room).terms : this.rooms.get(scope.room)?.terms;
  }

  /** The room's state, made most recently used; past `maxRooms` the one unused longest is dropped, as the message store does. */
  private room(room: string): RoomModeration {
    const state = this.rooms.get(room) ?? { moderators: new Map(), terms: new Map(), reports: new Map(), reporters: new Map() };
    this.rooms.delete(room);
    this.rooms.set(room, state);
    while (this.rooms.size > this.maxRooms) this.rooms.delete(this.rooms.keys().next().value!);
    return state;
  }
}
