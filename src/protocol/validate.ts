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
  MessageKind,
  NoticeSendRequest,
  UnbanRequest,
} from "./events.js";
import { CLIENT_ID_MAX_LENGTH, MESSAGE_KINDS, NAME_MAX_LENGTH, ROOM_ID_PATTERN } from "./limits.js";
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
  return { room, text, kind: p.kind as MessageKind, clientId: clientIdOf(p) };
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
  if (typeof p.id !== "string" || p.id.length === 0 || p.id.length > 64) bad("id must be a message id");
  return { room, id: p.id };
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

export function parseConfigure(payload: unknown): ConfigureRequest {
  const p = asObject(payload);
  const room = roomOf(p);
  return { room, slowModeSec: wholeNumber(p.slowModeSec, "slowModeSec", 0, MAX_SLOW_MODE_SEC) };
}
