/**
 * Chat replay beside a VOD (issue #20): reads `GET /api/v1/rooms/{room}/replay?from=&to=` (NDJSON,
 * in order) as an async iterator of entries, one line at a time as the response arrives, so a
 * player can sync to a long range without holding it all. The route takes an API key: call it from
 * the site's backend, or through the site's own proxy route that adds the key (never ship a key to
 * browsers). Ranges longer than 24 h are split into 24 h requests here.
 */
import { ErrorCode, MAX_REPLAY_RANGE_MS, type ErrorBody, type RoomEntry } from "../protocol/index.js";
import { ChatError } from "./chat-error.js";
import { ndjsonLines, type ByteSource } from "./ndjson-lines.js";

/** The parts of `fetch`'s response the helper reads (any WHATWG fetch has them). */
export interface ReplayResponse {
  ok: boolean;
  status: number;
  body: ByteSource | null;
  text(): Promise<string>;
}

export type ReplayFetch = (url: string, init: { headers: Record<string, string>; signal?: unknown }) => Promise<ReplayResponse>;

export interface ReplayOptions {
  /** Where the API is: `https://chat.example.com/api/v1`, or the site's proxy of it. */
  baseUrl: string;
  room: string;
  /** ms since the epoch, inclusive. */
  from: number;
  /** ms since the epoch, exclusive. */
  to: number;
  /** Sent with each request, e.g. `{ Authorization: "Bearer <key>" }` from a backend. @default {} */
  headers?: Record<string, string>;
  /** @default globalThis.fetch */
  fetch?: ReplayFetch;
  /** An AbortSignal that stops the read. @default none */
  signal?: unknown;
}

/**
 * The room's entries with time in [from, to), in order: chat messages, questions, notices and clear
 * markers (`kind`; a player shows what it knows and skips the rest). Rejects with a
 * {@link ChatError} carrying the server's error (`bad_request`, `unavailable`, ...) when a request
 * is refused, and with a local one when a response is cut before its end.
 */
export async function* replayRoom(options: ReplayOptions): AsyncGenerator<RoomEntry> {
  const doFetch = options.fetch ?? ((globalThis as { fetch?: ReplayFetch }).fetch as ReplayFetch | undefined);
  if (!doFetch) throw ChatError.local("closed", "no fetch in this environment: pass options.fetch");
  const base = options.baseUrl.replace(/\/+$/, "");
  for (let from = options.from; from < options.to; from += MAX_REPLAY_RANGE_MS) {
    const to = Math.min(options.to, from + MAX_REPLAY_RANGE_MS);
    const url = `${base}/rooms/${encodeURIComponent(options.room)}/replay?from=${from}&to=${to}`;
    const res = await doFetch(url, { headers: { ...options.headers }, ...(options.signal ? { signal: options.signal } : {}) });
    if (!res.ok) throw new ChatError(await errorOf(res));
    if (!res.body) continue;
    for await (const line of ndjsonLines(res.body)) yield JSON.parse(line) as RoomEntry;
  }
}

async function errorOf(res: ReplayResponse): Promise<ErrorBody> {
  try {
    const body = JSON.parse(await res.text()) as { error?: ErrorBody };
    if (body.error?.code) return body.error;
  } catch {
    // not the API's JSON (a proxy's page): fall through
  }
  return { code: res.status >= 500 ? ErrorCode.Unavailable : ErrorCode.BadRequest, message: `replay request failed with HTTP ${res.status}` };
}
