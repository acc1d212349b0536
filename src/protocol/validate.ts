/**
 * Payload validation for the client -> server events. Pure functions so the browser client can
 * check input before sending and the server can trust nothing it did not check here.
 */
import { ErrorCode } from "./error-codes.js";
import type {
  BanRequest,
  ChatSendRequest,
  ClearRequest,
  ConfigureRequest,
  DeleteRequest,
  MuteRequest,
  JoinRequest,
  LeaveRequest,
  NoticeSendRequest,
  UnbanRequest,
} from "./events.js";
import type { MessageKind } from "./common.js";
import type {
  HeldRequest,
  LogRequest,
  ModeratorRequest,
  ReportDismissRequest,
  ReportRequest,
  RoomRequest,
  TermAction,
  TermAddRequest,
  TermMatch,
  TermRemoveRequest,
} from "./moderation-events.js";
import { CLIENT_ID_MAX_LENGTH, MESSAGE_KINDS, NAME_MAX_LENGTH, ROOM_ID_PATTERN } from "./limits.js";
import { MAX_DELAY_SEC, MAX_FOLLOW_AGE_SEC, MAX_LOG_PAGE, REASON_MAX_LENGTH, TERM_MAX_LENGTH } from "./moderation-limits.js";
import { ProtocolError } from "./protocol-error.js";

export { ProtocolError };

type Obj = Record<string, unknown>;

function bad(message: string): never {
  throw new ProtocolError(ErrorCode.BadRequest, message);
}

function asObject(payload: unknown): Obj {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    bad("payload must be an object");
  }
  return payload as Obj;
}

export function isRoomId(room: unknown): room is string {
  return typeof room === "string" && ROOM_ID_PATTERN.test(room);
}

function roomOf(p: Obj): string {
  if (!isRoomId(p.room)) bad("room must match ^[A-Za-z0-9_-]{1,64}$");
  return p.room;
}

/** Counts code points, stopping early: a 10 MB string costs no more than `max` steps. */
function exceedsCodePoints(text: string, max: number): boolean {
  if (text.length <= max) return false;
  let count = 0;
  for (const _ of text) if (++count > max) return true;
  return false;
}

/**
 * A character that shows: not whitespace, a control or format character (zero-width spaces and
 * joiners, bidi marks, embeddings, overrides and isolates are all format characters), a combining
 * mark on its own, another default-ignorable code point (Hangul fillers, variation selectors) or
 * the blank braille pattern. A name or text made only of those passed `trim()` and showed as
 * nothing, or as someone else's name reversed (issue #11).
 */
const VISIBLE = /[^\p{White_Space}\p{Cc}\p{Cf}\p{M}\p{Default_Ignorable_Code_Point}\u2800]/u;

/** Whether `s` has at least one character that shows (see {@link VISIBLE}). */
export function hasVisibleCharacter(s: string): boolean {
  return VISIBLE.test(s);
}

function textOf(p: Obj, maxLength: number): string {
  const text = p.text;
  if (typeof text !== "string") bad("text must be a string");
  if (!hasVisibleCharacter(text)) bad("text must contain a visible character");
  if (exceedsCodePoints(text, maxLength)) {
    throw new ProtocolError(ErrorCode.TooLarge, `text is over ${maxLength} characters`);
  }
  return text;
}

function clientIdOf(p: Obj): string {
  const id = p.clientId;
  if (typeof id !== "string" || id.length === 0 || id.length > CLIENT_ID_MAX_LENGTH) {
    bad(`clientId must be a string of 1-${CLIENT_ID_MAX_LENGTH} characters`);
  }
  return id;
}

export function parseJoin(payload: unknown): JoinRequest {
  const p = asObject(payload);
  const room = roomOf(p);
  if (p.since === undefined || p.since === null) return { room };
  if (typeof p.since !== "string" || p.since.length > 64) bad("since must be a message id string");
  return { room, since: p.since };
}

export function parseLeave(payload: unknown): LeaveRequest {
  return { room: roomOf(asObject(payload)) };
}

export function parseChatSend(payload: unknown, maxLength: number): ChatSendRequest {
  const p = asObject(payload);
  const room = roomOf(p);
  if (!MESSAGE_KINDS.includes(p.kind as MessageKind)) bad('kind must be "chat" or "question"');
  const text = textOf(p, maxLength);
  const req: ChatSendRequest = { room, text, kind: p.kind as MessageKind, clientId: clientIdOf(p) };
  if (p.replyTo !== undefined && p.replyTo !== null) req.replyTo = messageIdOf(p.replyTo, "replyTo");
  return req;
}

function messageIdOf(value: unknown, name: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 64) bad(`${name} must be a message id`);
  return value;
}

export function parseNoticeSend(payload: unknown, maxLength: number): NoticeSendRequest {
  const p = asObject(payload);
  const room = roomOf(p);
  const text = textOf(p, maxLength);
  return { room, text, clientId: clientIdOf(p) };
}

/** A display name: 1-32 characters after trimming, at least one visible, no control characters. */
export function isDisplayName(name: unknown): name is string {
  return (
    typeof name === "string" &&
    hasVisibleCharacter(name) &&
    !exceedsCodePoints(name, NAME_MAX_LENGTH) &&
    !/[\u0000-\u001f\u007f]/.test(name)
  );
}

/** Protocol v1.1 `auth.session`: an anonymous client's own random secret. */
export function isSessionSecret(value: unknown): value is string {
  return typeof value === "string" && /^[A-Za-z0-9_-]{16,128}$/.test(value);
}

export const MAX_MUTE_SEC = 86_400;

export function parseDelete(payload: unknown): DeleteRequest {
  const p = asObject(payload);
  const room = roomOf(p);
  return { room, id: messageIdOf(p.id, "id") };
}

/** Longest timed ban; a ban without a duration lasts until lifted. */
export const MAX_BAN_SEC = 30 * 86_400;
/** Slow mode's longest interval between one viewer's messages. */
export const MAX_SLOW_MODE_SEC = 300;

function userIdOf(p: Obj): string {
  if (typeof p.userId !== "string" || p.userId.length === 0 || p.userId.length > 128) bad("userId must be a user id");
  return p.userId;
}

function wholeNumber(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    bad(`${name} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

export function parseMute(payload: unknown): MuteRequest {
  const p = asObject(payload);
  const room = roomOf(p);
  return { room, userId: userIdOf(p), durationSec: wholeNumber(p.durationSec, "durationSec", 1, MAX_MUTE_SEC) };
}

export function parseBan(payload: unknown): BanRequest {
  const p = asObject(payload);
  const room = roomOf(p);
  const userId = userIdOf(p);
  if (p.durationSec === undefined || p.durationSec === null) return { room, userId };
  return { room, userId, durationSec: wholeNumber(p.durationSec, "durationSec", 1, MAX_BAN_SEC) };
}

export function parseUnban(payload: unknown): UnbanRequest {
  const p = asObject(payload);
  return { room: roomOf(p), userId: userIdOf(p) };
}

export function parseClear(payload: unknown): ClearRequest {
  return { room: roomOf(asObject(payload)) };
}

function flag(value: unknown, name: string): boolean {
  if (typeof value !== "boolean") bad(`${name} must be true or false`);
  return value;
}

/** A settings change: only the fields given (at least one); see ConfigureRequest. */
export function parseConfigure(payload: unknown): ConfigureRequest {
  const p = asObject(payload);
  const req: ConfigureRequest = { room: roomOf(p) };
  if (p.slowModeSec !== undefined) req.slowModeSec = wholeNumber(p.slowModeSec, "slowModeSec", 0, MAX_SLOW_MODE_SEC);
  if (p.subscribersOnly !== undefined) req.subscribersOnly = flag(p.subscribersOnly, "subscribersOnly");
  if (p.followersOnlySec !== undefined) {
    req.followersOnlySec = p.followersOnlySec === null ? null : wholeNumber(p.followersOnlySec, "followersOnlySec", 0, MAX_FOLLOW_AGE_SEC);
  }
  if (p.uniqueChat !== undefined) req.uniqueChat = flag(p.uniqueChat, "uniqueChat");
  if (p.delaySec !== undefined) req.delaySec = wholeNumber(p.delaySec, "delaySec", 0, MAX_DELAY_SEC);
  if (Object.keys(req).length === 1) bad("give at least one setting: slowModeSec, subscribersOnly, followersOnlySec, uniqueChat or delaySec");
  return req;
}

// --- the moderation team's events (moderation-events.ts) -----------------------------------------

function reasonOf(value: unknown, required: boolean): string | undefined {
  if (value === undefined || value === null || value === "") {
    if (required) bad("reason is required");
    return undefined;
  }
  if (typeof value !== "string" || !hasVisibleCharacter(value)) bad("reason must be text");
  if (exceedsCodePoints(value, REASON_MAX_LENGTH)) throw new ProtocolError(ErrorCode.TooLarge, `reason is over ${REASON_MAX_LENGTH} characters`);
  return value.trim();
}

export function parseRoomRequest(payload: unknown): RoomRequest {
  return { room: roomOf(asObject(payload)) };
}

export function parseReport(payload: unknown): ReportRequest {
  const p = asObject(payload);
  return { room: roomOf(p), id: messageIdOf(p.id, "id"), reason: reasonOf(p.reason, true)! };
}

export function parseModerator(payload: unknown): ModeratorRequest {
  const p = asObject(payload);
  const req: ModeratorRequest = { room: roomOf(p), userId: userIdOf(p) };
  if (p.name !== undefined && p.name !== null && p.name !== "") {
    if (!isDisplayName(p.name)) bad("name must be 1-32 characters, no control characters");
    req.name = p.name.trim();
  }
  return req;
}

/** A held message's id: `h` and digits, as the store makes them. */
export function isHeldId(value: unknown): value is string {
  return typeof value === "string" && /^h\d{1,20}$/.test(value);
}

export function parseHeld(payload: unknown): HeldRequest {
  const p = asObject(payload);
  if (!isHeldId(p.id)) bad("id must be a held message's id");
  const reason = reasonOf(p.reason, false);
  return reason === undefined ? { room: roomOf(p), id: p.id } : { room: roomOf(p), id: p.id, reason };
}

export function parseReportDismiss(payload: unknown): ReportDismissRequest {
  const p = asObject(payload);
  return { room: roomOf(p), id: messageIdOf(p.id, "id") };
}

/** A term as given: text with a visible character, at most TERM_MAX_LENGTH characters. */
export function termOf(value: unknown): string {
  if (typeof value !== "string" || !hasVisibleCharacter(value)) bad("term must contain a visible character");
  if (exceedsCodePoints(value, TERM_MAX_LENGTH)) throw new ProtocolError(ErrorCode.TooLarge, `term is over ${TERM_MAX_LENGTH} characters`);
  return value;
}

export function parseTermRule(p: Record<string, unknown>): { action: TermAction; match: TermMatch } {
  if (p.action !== "block" && p.action !== "hold") bad('action must be "block" or "hold"');
  const match = p.match ?? "word";
  if (match !== "word" && match !== "substring") bad('match must be "word" or "substring"');
  return { action: p.action, match };
}

export function parseTermAdd(payload: unknown): TermAddRequest {
  const p = asObject(payload);
  return { room: roomOf(p), term: termOf(p.term), ...parseTermRule(p) };
}

export function parseTermRemove(payload: unknown): TermRemoveRequest {
  const p = asObject(payload);
  return { room: roomOf(p), term: termOf(p.term) };
}

export function parseLogRequest(payload: unknown): LogRequest {
  const p = asObject(payload);
  const req: LogRequest = { room: roomOf(p) };
  if (p.before !== undefined && p.before !== null) req.before = messageIdOf(p.before, "before");
  if (p.limit !== undefined) req.limit = wholeNumber(p.limit, "limit", 1, MAX_LOG_PAGE);
  return req;
}
