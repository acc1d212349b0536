/**
 * A room's entries as the store publishes them once they are durable: in history order, each with
 * the id of the entry stored before it (`prev`) and the socket that sent it (`sender`, left out of
 * that socket's live delivery). The Redis store's Lua script writes them to the room's channel in
 * the format decoded here; the in-memory store hands them over directly.
 */
import type { User } from "../../protocol/index.js";
import type { StoredKind, StoredMessage } from "../message-store.js";
import { streamIdToMessageId } from "../message-id.js";

export interface PublishedEntry extends StoredMessage {
  /** Wire id of the room's previous stored entry, or null for the first. */
  prev: string | null;
  /** Socket id of the sender ("" for entries no socket sent). */
  sender: string;
}

/**
 * First byte of an entries payload on a room channel. A stock adapter message starts with `{`
 * (JSON) or a msgpack map byte (0x80-0x8f, 0xde, 0xdf); `!` is neither, so the two never mix.
 */
export const ENTRIES_MARK = 0x21;

/** What the script publishes: `!{"r":room,"e":[[streamId, prevStreamId|"", sender, kind, body], ...]}`. */
interface WireEntries {
  r: string;
  e: [string, string, string, StoredKind, { t: string; u: User; sys?: true }][];
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
    entries.push(entry);
  }
  return { room, entries };
}
