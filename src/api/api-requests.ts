/**
 * Validation of the HTTP API's path parameters, query strings and JSON bodies: the same rules as
 * the socket events (src/protocol/validate.ts), failing with `bad_request` or `too_large`.
 */
import { createHash } from "node:crypto";
import {
  ErrorCode,
  ProtocolError,
  isDisplayName,
  isRoomId,
  parseBan,
  parseConfigure,
  parseMute,
  parseNoticeSend,
  type BanRequest,
  type ConfigureRequest,
  type MuteRequest,
} from "../protocol/index.js";
import type { SystemPost } from "../rooms/room-service.js";

function bad(message: string): never {
  throw new ProtocolError(ErrorCode.BadRequest, message);
}

type Obj = Record<string, unknown>;

function body(raw: unknown): Obj {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) bad("request body must be a JSON object (Content-Type: application/json)");
  return raw as Obj;
}

/** A path's room id. */
export function roomParam(value: unknown): string {
  if (!isRoomId(value)) bad("room must match ^[A-Za-z0-9_-]{1,64}$");
  return value;
}

/** A path's user id (as in tokens' `sub`: 1-128 characters). */
export function userParam(value: unknown): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 128) bad("user id must be 1-128 characters");
  return value;
}

/** A path's message id. */
export function messageIdParam(value: unknown): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 64) bad("id must be a message id");
  return value;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

/**
 * `POST /rooms/{room}/messages`: `{ text, kind?: "chat" | "notice", name? }` and an optional
 * `Idempotency-Key` header. The fingerprint is a hash of what was asked, so a key reused for
 * another request is told apart from a retry.
 */
export function parseSystemPost(room: string, raw: unknown, idempotencyKey: string | undefined, maxLength: number): SystemPost {
  const p = body(raw);
  const kind = p.kind ?? "chat";
  if (kind !== "chat" && kind !== "notice") bad('kind must be "chat" or "notice"');
  const { text } = parseNoticeSend({ room, text: p.text, clientId: "-" }, maxLength);
  if (p.name !== undefined && !isDisplayName(p.name)) bad("name must be 1-32 characters, no control characters");
  const name = p.name?.trim();
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) bad("Idempotency-Key must be 1-128 visible ASCII characters");
  const fingerprint = createHash("sha256").update(JSON.stringify([kind, text, name ?? null])).digest("base64url");
  return { kind, text, fingerprint, ...(name ? { name } : {}), ...(idempotencyKey ? { idempotencyKey } : {}) };
}

export function parseMuteBody(room: string, raw: unknown): MuteRequest {
  return parseMute({ ...body(raw), room });
}

export function parseBanBody(room: string, raw: unknown): BanRequest {
  return parseBan({ ...body(raw), room });
}

export function parseSettingsBody(room: string, raw: unknown): ConfigureRequest {
  return parseConfigure({ ...body(raw), room });
}

/** Longest a room can be opened for in one call: a year. */
export const MAX_OPEN_SEC = 365 * 86_400;

/** `POST /rooms/{room}/open`: an optional `{ durationSec }` (default: the history TTL). */
export function parseOpenBody(raw: unknown): { durationSec?: number } {
  if (raw === undefined || (typeof raw === "object" && raw !== null && Object.keys(raw).length === 0)) return {};
  const d = body(raw).durationSec;
  if (d === undefined) return {};
  if (typeof d !== "number" || !Number.isInteger(d) || d < 1 || d > MAX_OPEN_SEC) bad(`durationSec must be a whole number from 1 to ${MAX_OPEN_SEC}`);
  return { durationSec: d };
}

/** `?since=&limit=` of a history read. */
export function parseHistoryQuery(query: Obj, maxLimit: number): { since?: string; limit: number } {
  const { since, limit } = query;
  if (since !== undefined && (typeof since !== "string" || since.length === 0 || since.length > 64)) bad("since must be one message id");
  let n = maxLimit;
  if (limit !== undefined) {
    if (typeof limit !== "string" || !/^\d{1,6}$/.test(limit) || Number(limit) < 1 || Number(limit) > maxLimit) bad(`limit must be a whole number from 1 to ${maxLimit}`);
    n = Number(limit);
  }
  return since === undefined ? { limit: n } : { since, limit: n };
}

/** `?room=a&room=b...` of the bulk viewer counts: 1 to `max` valid room ids (repeats are counted once). */
export function parseViewersQuery(query: Obj, max: number): string[] {
  const raw = query.room;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) bad("give at least one room: ?room=a&room=b");
  if (list.length > max) throw new ProtocolError(ErrorCode.TooLarge, `at most ${max} rooms per request`);
  for (const room of list) if (!isRoomId(room)) bad("every room must match ^[A-Za-z0-9_-]{1,64}$");
  return [...new Set(list as string[])];
}
