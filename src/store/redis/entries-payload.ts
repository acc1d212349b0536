/**
 * The entries payload: how the Redis store's publish script (publish-lua.ts) writes a room's
 * published entries to the room's sharded channel, and its decoder, used by every replica's
 * adapter subscription (src/adapter/sharded-adapter.ts).
 */
import type { ReplyRef, User } from "../../protocol/index.js";
import type { PublishedEntry, StoredKind } from "../message-store.js";
import { streamIdToMessageId } from "../message-id.js";

/**
 * First byte of an entries payload on a room channel. A stock adapter message starts with `{`
 * (JSON) or a msgpack map byte (0x80-0x8f, 0xde, 0xdf); `!` is neither, so the two never mix.
 */
export const ENTRIES_MARK = 0x21;

/** What the script publishes: `!{"r":room,"e":[[streamId, prevStreamId|"", sender, kind, body], ...]}`. */
interface WireEntries {
  r: string;
  e: [string, string, string, StoredKind, { t: string; u: User; sys?: true; r?: ReplyRef }][];
}

export function isEntriesPayload(raw: Buffer): boolean {
  return raw.length > 1 && raw[0] === ENTRIES_MARK;
}

/** Decodes an entries payload; undefined when it is malformed (logged by the caller). */
export function decodeEntries(raw: Buffer): { room: string; entries: PublishedEntry[] } | undefined {
  let wire: WireEntries;
  try {
    wire = JSON.parse(raw.subarray(1).toString()) as WireEntries;
  } catch {
    return undefined;
  }
  if (typeof wire?.r !== "string" || !Array.isArray(wire.e)) return undefined;
  const room = wire.r;
  const entries: PublishedEntry[] = [];
  for (const e of wire.e) {
    if (!Array.isArray(e) || e.length < 5 || typeof e[0] !== "string") return undefined;
    const [streamId, prev, sender, kind, body] = e;
    const entry: PublishedEntry = {
      id: streamIdToMessageId(streamId),
      prev: prev ? streamIdToMessageId(prev) : null,
      sender,
      room,
      kind,
      text: body.t,
      user: body.u,
      ts: Number(streamId.slice(0, streamId.indexOf("-"))),
    };
    if (body.sys) entry.system = true;
    if (body.r) entry.replyTo = body.r;
    entries.push(entry);
  }
  return { room, entries };
}
