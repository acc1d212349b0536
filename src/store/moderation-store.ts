import { MAX_MODERATORS, MAX_ROOM_TERMS, type BlockedTerm, type Moderator, type Report, type ReportedMessage } from "../protocol/index.js";

/**
 * What a room's moderation team keeps besides history (issue #21): its appointed moderators, its
 * blocked terms (and the site's), and reported messages. Implementations: in-memory (embedded)
 * and Redis (every key of a room in the room's slot, like its history); both run through one
 * shared suite (moderation-store.suite.ts). The held messages of the review queue are the
 * MessageStore's, checked in the same atomic step as a send.
 */
export interface ModerationStore {
  /** Appoints (or renames) a moderator: `full` at the room's limit. */
  addModerator(room: string, moderator: Moderator): Promise<"added" | "exists" | "full">;
  removeModerator(room: string, userId: string): Promise<boolean>;
  /** Oldest appointment first. */
  moderators(room: string): Promise<Moderator[]>;
  isModerator(room: string, userId: string): Promise<boolean>;
  /** The room's terms (`site` for the site's own list), in the order they were added. */
  terms(scope: TermScope): Promise<BlockedTerm[]>;
  /** Adds a term or changes its rule: `full` at the scope's limit. */
  addTerm(scope: TermScope, term: BlockedTerm): Promise<"added" | "exists" | "full">;
  removeTerm(scope: TermScope, term: string): Promise<boolean>;
  /**
   * Files a report of a message (a snapshot of it, taken by the caller from history). A user's
   * second report of one message changes nothing (`reported: false`); past their hourly bound in
   * the room the report is refused with the wait.
   */
  report(room: string, message: ReportedMessage["message"] & { id: string }, report: Report): Promise<ReportOutcome>;
  /** Reported messages, most recently reported first. */
  reports(room: string): Promise<ReportedMessage[]>;
  /** Takes a message off the reports queue (dismissed, or deleted); false when it was not there. */
  dismissReport(room: string, messageId: string): Promise<boolean>;
  close(): Promise<void>;
}

/** A room's terms, or the site's. */
export type TermScope = { room: string } | "site";

export type ReportOutcome = { reported: true; item: ReportedMessage } | { reported: false; item?: ReportedMessage } | { limitedForMs: number };

export interface ModerationStoreOptions {
  /** Appointed moderators per room. @default 100 (MAX_MODERATORS) */
  maxModerators: number;
  /** Blocked terms per room. @default 1000 (MAX_ROOM_TERMS) */
  maxRoomTerms: number;
  /** The site's blocked terms. @default 5000 */
  maxSiteTerms: number;
  /** Reported messages a room's queue keeps; the one reported longest ago goes first. @default 500 */
  maxReportedPerRoom: number;
  /** Reports kept per message (the count goes on). @default 20 */
  reportsPerMessage: number;
  /** Reports one user may file in one room per hour. @default 10 */
  reportsPerUserPerHour: number;
  /** Seconds the reports of a room live after the last one. @default 86400 */
  reportsTtlSec: number;
}

export const defaultModerationStoreOptions: ModerationStoreOptions = {
  maxModerators: MAX_MODERATORS,
  maxRoomTerms: MAX_ROOM_TERMS,
  maxSiteTerms: 5_000,
  maxReportedPerRoom: 500,
  reportsPerMessage: 20,
  reportsPerUserPerHour: 10,
  reportsTtlSec: 86_400,
};

/** One hour: the window of `reportsPerUserPerHour`. */
export const REPORT_WINDOW_MS = 3_600_000;
