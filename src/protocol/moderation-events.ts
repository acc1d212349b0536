/**
 * The moderation team's protocol (server additions, issue #21; docs/protocol.md "Moderation"):
 * moderators, the review queue (held and reported messages), blocked terms, reports, the
 * moderation log and the events only the room's moderators and streamer receive. The event maps in
 * events.ts include these; a v1 client never sees any of them.
 */
import type { Ack, ErrorBody, MessageKind, ReplyRef, Role, User } from "./common.js";

/** What a blocked term does to a message that contains it. */
export type TermAction = "block" | "hold";
/** `word`: the term stands alone (not inside a longer word); `substring`: anywhere. */
export type TermMatch = "word" | "substring";

export interface BlockedTerm {
  /** The term as it is matched: NFKC, lower case, invisible characters removed, spaces collapsed. */
  term: string;
  action: TermAction;
  match: TermMatch;
  /** Who added it (a user id, or "site" for the HTTP API) and when (ms since the epoch). */
  by: string;
  at: number;
}

export interface Moderator {
  userId: string;
  /** The name the streamer gave when appointing, if any. */
  name?: string;
  /** Who appointed them (the streamer's user id, or "site") and when. */
  by: string;
  at: number;
}

/** Why a message waits in the review queue: the room's delay, or a term whose action is `hold`. */
export type HoldReason = "delay" | "review";

/** A message held before it is stored: moderators see it at once and may deny or approve it. */
export interface HeldMessage {
  /** The held message's id (not a message id: it gets one when stored). */
  id: string;
  room: string;
  kind: MessageKind;
  text: string;
  user: User;
  /** When it was held (ms since the epoch). */
  ts: number;
  reason: HoldReason;
  /** With `review`: the term that held it. */
  term?: string;
  /** With `delay`: when it is stored unless a moderator removed it first; null for `review` (waits for a moderator). */
  releaseAt: number | null;
  replyTo?: ReplyRef;
}

/** What the sender's ack says about a held message (capability `held`). */
export interface HeldReceipt {
  id: string;
  reason: HoldReason;
  releaseAt: number | null;
}

/** A send answered "held" (capability `held` only; a v1 sender's ack waits for the outcome). */
export interface HeldSendResult {
  held: HeldReceipt;
}

/** Capability `held`: the outcome of one's own held message. */
export interface HeldOutcome {
  room: string;
  /** The held message's id, as the ack gave it. */
  heldId: string;
  /** Stored (delivered to the room) with this message id... */
  id?: string;
  /** ...or refused: `blocked` (a moderator denied it) or `forbidden` (banned or muted meanwhile). */
  error?: ErrorBody;
}

export interface Report {
  by: { id: string; name: string };
  reason: string;
  at: number;
}

/** A reported message in the review queue, with every report it got (the newest 20 kept). */
export interface ReportedMessage {
  /** The message's id. */
  id: string;
  room: string;
  message: { kind: MessageKind; text: string; user: User; ts: number };
  reports: Report[];
  /** How many reports, all told. */
  count: number;
}

/** Every moderation action the log records. */
export type ModerationActionName =
  | "delete"
  | "mute"
  | "ban"
  | "unban"
  | "clear"
  | "configure"
  | "moderator_add"
  | "moderator_remove"
  | "held_approve"
  | "held_deny"
  | "report_dismiss"
  | "term_add"
  | "term_remove";

/** Who did it: a user (with their role in the room), or the site through the HTTP API (`system`). */
export interface ModerationActor {
  id: string;
  name: string;
  role?: Role;
  system?: true;
}

export interface ModerationLogEntry {
  /** Ordered like message ids: newer entries compare greater. */
  id: string;
  room: string;
  /** ms since the epoch */
  at: number;
  by: ModerationActor;
  action: ModerationActionName;
  target?: { userId?: string; messageId?: string; heldId?: string; term?: string };
  reason?: string;
  /** What changed, in a few words (e.g. "slow mode 30 s, subscribers-only on"). */
  detail?: string;
}

/** How an item left the review queue. */
export type QueueOutcome = "released" | "approved" | "denied" | "dropped" | "dismissed" | "deleted";

export interface QueueResolution {
  /** `held`: a held message (by its held id); `report`: a reported message (by its message id). */
  kind: "held" | "report";
  id: string;
  outcome: QueueOutcome;
  /** With released and approved: the stored message's id. */
  messageId?: string;
  /** The moderator who acted (absent for a delay's release). */
  by?: ModerationActor;
}

// --- requests and results ---------------------------------------------------------------------

export interface ReportRequest {
  room: string;
  id: string;
  reason: string;
}
export interface ReportResult {
  /** False when you had reported this message before (nothing new). */
  reported: boolean;
}
export interface ModeratorRequest {
  room: string;
  userId: string;
  /** A name to show for them in the studio. */
  name?: string;
}
export interface ModeratorAdded {
  /** False when they were a moderator already. */
  added: boolean;
}
export interface ModeratorRemoved {
  removed: boolean;
}
export interface RoomRequest {
  room: string;
}
export interface ModeratorList {
  moderators: Moderator[];
}
export interface QueueList {
  /** Oldest first. */
  held: HeldMessage[];
  /** Most recently reported first. */
  reports: ReportedMessage[];
}
export interface HeldRequest {
  room: string;
  /** The held message's id. */
  id: string;
  reason?: string;
}
export interface HeldApproved {
  /** False when it was no longer held (released, denied or approved by someone else). */
  approved: boolean;
  /** The stored message's id, when approved (absent if its author was banned meanwhile: dropped). */
  messageId?: string;
}
export interface HeldDenied {
  denied: boolean;
}
export interface ReportDismissRequest {
  room: string;
  /** The reported message's id. */
  id: string;
}
export interface ReportDismissed {
  dismissed: boolean;
}
export interface TermList {
  terms: BlockedTerm[];
}
export interface TermAddRequest {
  room: string;
  term: string;
  action: TermAction;
  match: TermMatch;
}
export interface TermAdded {
  term: BlockedTerm;
}
export interface TermRemoveRequest {
  room: string;
  term: string;
}
export interface TermRemoved {
  removed: boolean;
}
export interface LogRequest {
  room: string;
  /** Only entries older than this log entry id. */
  before?: string;
  /** 1-100. @default 50 */
  limit?: number;
}
export interface LogPage {
  /** Newest first. */
  entries: ModerationLogEntry[];
}

// --- events only the room's moderators and streamer get ------------------------------------------

export interface ModHeld {
  room: string;
  messages: HeldMessage[];
}
export interface ModResolved {
  room: string;
  items: QueueResolution[];
}
export interface ModReport {
  room: string;
  report: ReportedMessage;
}
export interface ModLog {
  room: string;
  entry: ModerationLogEntry;
}
export interface ModModerators {
  room: string;
  moderators: Moderator[];
}
export interface ModTerms {
  room: string;
  terms: BlockedTerm[];
}
/** Your role in a room changed (appointed or removed as moderator). */
export interface RoleChanged {
  room: string;
  role: Role;
}

export interface ModerationClientEvents {
  "chat:report": (req: ReportRequest, ack: (res: Ack<ReportResult>) => void) => void;
  "mod:add": (req: ModeratorRequest, ack: (res: Ack<ModeratorAdded>) => void) => void;
  "mod:remove": (req: ModeratorRequest, ack: (res: Ack<ModeratorRemoved>) => void) => void;
  "mod:list": (req: RoomRequest, ack: (res: Ack<ModeratorList>) => void) => void;
  "queue:list": (req: RoomRequest, ack: (res: Ack<QueueList>) => void) => void;
  "held:approve": (req: HeldRequest, ack: (res: Ack<HeldApproved>) => void) => void;
  "held:deny": (req: HeldRequest, ack: (res: Ack<HeldDenied>) => void) => void;
  "report:dismiss": (req: ReportDismissRequest, ack: (res: Ack<ReportDismissed>) => void) => void;
  "terms:list": (req: RoomRequest, ack: (res: Ack<TermList>) => void) => void;
  "terms:add": (req: TermAddRequest, ack: (res: Ack<TermAdded>) => void) => void;
  "terms:remove": (req: TermRemoveRequest, ack: (res: Ack<TermRemoved>) => void) => void;
  "log:list": (req: LogRequest, ack: (res: Ack<LogPage>) => void) => void;
}

export interface ModerationServerEvents {
  /** Capability `held`: the outcome of your held message. */
  "chat:held": (outcome: HeldOutcome) => void;
  "room:role": (changed: RoleChanged) => void;
  "mod:held": (held: ModHeld) => void;
  "mod:resolved": (resolved: ModResolved) => void;
  "mod:report": (report: ModReport) => void;
  "mod:log": (log: ModLog) => void;
  "mod:moderators": (list: ModModerators) => void;
  "mod:terms": (terms: ModTerms) => void;
}
