/**
 * Validation of history reads (issue #20): `room:history` and the HTTP API's paging, replay and
 * export queries share these rules, so a bad cursor or limit is refused alike at both edges.
 */
import { ErrorCode } from "./error-codes.js";
import type { HistoryRequest } from "./events.js";
import { DEFAULT_HISTORY_PAGE, MAX_HISTORY_PAGE, MAX_REPLAY_RANGE_MS, MESSAGE_ID_PATTERN, ROOM_ID_PATTERN } from "./limits.js";
import { ProtocolError } from "./protocol-error.js";

function bad(message: string): never {
  throw new ProtocolError(ErrorCode.BadRequest, message);
}

/** An id of the server's form (a cursor must be one; see MESSAGE_ID_PATTERN). */
export function isMessageId(value: unknown): value is string {
  return typeof value === "string" && MESSAGE_ID_PATTERN.test(value);
}

const HISTORY_FIELDS = new Set(["room", "before", "limit"]);

/** `room:history { room, before?, limit? }`: unknown fields are refused (a typo must not read as a default). */
export function parseHistory(payload: unknown): Required<Pick<HistoryRequest, "room" | "limit">> & Pick<HistoryRequest, "before"> {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) bad("payload must be an object");
  const p = payload as Record<string, unknown>;
  const unknown = Object.keys(p).find((k) => !HISTORY_FIELDS.has(k));
  if (unknown !== undefined) bad(`unknown field "${unknown.slice(0, 32)}": room:history takes room, before and limit`);
  if (typeof p.room !== "string" || !ROOM_ID_PATTERN.test(p.room)) bad("room must match ^[A-Za-z0-9_-]{1,64}$");
  return { room: p.room, ...pageCursor(p.before), limit: pageLimit(p.limit) };
}

function pageCursor(before: unknown): { before?: string } {
  if (before === undefined || before === null) return {};
  if (!isMessageId(before)) bad("before must be a message id (as the server gave it)");
  return { before };
}

function pageLimit(limit: unknown): number {
  if (limit === undefined || limit === null) return DEFAULT_HISTORY_PAGE;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_PAGE) bad(`limit must be a whole number from 1 to ${MAX_HISTORY_PAGE}`);
  return limit;
}

type Query = Record<string, unknown>;

function onlyFields(query: Query, allowed: string[]): void {
  const unknown = Object.keys(query).find((k) => !allowed.includes(k));
  if (unknown !== undefined) bad(`unknown query parameter "${unknown.slice(0, 32)}" (this route takes ${allowed.join(", ") || "none"})`);
}

/** `?before=&limit=` of `GET /rooms/{room}/messages` (query strings: the limit is text). */
export function parseMessagesQuery(query: Query): { before?: string; limit: number } {
  onlyFields(query, ["before", "limit"]);
  const { before, limit } = query;
  if (limit !== undefined && (typeof limit !== "string" || !/^\d{1,4}$/.test(limit))) bad(`limit must be a whole number from 1 to ${MAX_HISTORY_PAGE}`);
  return { ...pageCursor(before), limit: pageLimit(limit === undefined ? undefined : Number(limit)) };
}

/** `?from=&to=` of `GET /rooms/{room}/replay`: ms since the epoch, from < to, at most 24 h apart. */
export function parseReplayQuery(query: Query): { from: number; to: number } {
  onlyFields(query, ["from", "to"]);
  const time = (value: unknown, name: string): number => {
    if (typeof value !== "string" || !/^\d{1,15}$/.test(value)) bad(`${name} must be a time in ms since the epoch`);
    return Number(value);
  };
  const from = time(query.from, "from");
  const to = time(query.to, "to");
  if (to <= from) bad("to must be after from");
  if (to - from > MAX_REPLAY_RANGE_MS) bad(`a replay covers at most ${MAX_REPLAY_RANGE_MS / 3_600_000} h per request`);
  return { from, to };
}
