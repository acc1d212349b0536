/**
 * Moderation notices on a room's sharded channel (store/moderation-notice.ts): written by the
 * store's ANNOUNCE script, decoded by every replica's adapter subscription. `%` + JSON
 * `{"r":room,"n":[notice, ...]}`: neither an entries payload (`!`), a probe (`?`) nor a stock
 * adapter message (`{` or msgpack), so none of them mix.
 */
import type { ModerationNotice } from "../moderation-notice.js";

export const NOTICES_MARK = 0x25;

export function encodeNotices(room: string, notices: ModerationNotice[]): string {
  return `%${JSON.stringify({ r: room, n: notices })}`;
}

export function isNoticesPayload(raw: Buffer): boolean {
  return raw.length > 1 && raw[0] === NOTICES_MARK;
}

/** Decodes a notices payload; undefined when it is malformed. */
export function decodeNotices(raw: Buffer): { room: string; notices: ModerationNotice[] } | undefined {
  try {
    const wire = JSON.parse(raw.subarray(1).toString()) as { r?: unknown; n?: unknown };
    if (typeof wire?.r !== "string" || !Array.isArray(wire.n)) return undefined;
    return { room: wire.r, notices: wire.n as ModerationNotice[] };
  } catch {
    return undefined;
  }
}
