/**
 * Stored entries as clients receive them: the one mapping from what the store holds to the wire,
 * for history (join acks, the HTTP API) and for live delivery (protocol v1 events and v1.1 batch
 * entries, local-delivery.ts). `prev` is set on live payloads only; `system` only on what the
 * site posted, `replyTo` only on replies, so every other payload stays exactly as protocol v1 has it.
 */
import type { BatchEntry, ChatCleared, ChatMessage, MessageKind, Notice, ServerToClientEvents } from "../protocol/index.js";
import type { PublishedEntry, StoredKind, StoredMessage } from "../store/message-store.js";

/** `prev` is given for live events (see ChatMessage.prev), never for history. */
export function toChatMessage(m: StoredMessage, prev?: string | null): ChatMessage {
  const msg: ChatMessage = { id: m.id, room: m.room, kind: m.kind as MessageKind, text: m.text, user: m.user, ts: m.ts };
  if (prev !== undefined) msg.prev = prev;
  if (m.system) msg.system = true;
  if (m.replyTo) msg.replyTo = m.replyTo;
  return msg;
}

/** `prev` as on {@link toChatMessage}. */
export function toNotice(m: StoredMessage, prev?: string | null): Notice {
  const notice: Notice = { id: m.id, room: m.room, text: m.text, user: m.user, ts: m.ts };
  if (prev !== undefined) notice.prev = prev;
  if (m.system) notice.system = true;
  return notice;
}

/** A clear marker as protocol v1 clients get it (`chat:cleared`). */
export function toCleared(e: PublishedEntry): ChatCleared {
  const cleared: ChatCleared = { room: e.room, id: e.id, user: e.user, ts: e.ts, prev: e.prev };
  if (e.system) cleared.system = true;
  return cleared;
}

/** One entry of a `chat:batch` (protocol v1.1): every kind, `prev` always. */
export function toBatchEntry(e: PublishedEntry): BatchEntry {
  const entry: BatchEntry = { id: e.id, kind: e.kind, text: e.text, user: e.user, ts: e.ts, prev: e.prev };
  if (e.system) entry.system = true;
  if (e.replyTo) entry.replyTo = e.replyTo;
  return entry;
}

/** A server-to-client event of the protocol with its payload. */
export type ServerEvent = { [E in keyof ServerToClientEvents]: [E, Parameters<ServerToClientEvents[E]>[0]] }[keyof ServerToClientEvents];

/** How a protocol v1 client receives each kind of live entry. */
export const V1_EVENTS: { [K in StoredKind]: (e: PublishedEntry) => ServerEvent } = {
  chat: (e) => ["chat:message", toChatMessage(e, e.prev)],
  question: (e) => ["chat:message", toChatMessage(e, e.prev)],
  notice: (e) => ["notice", toNotice(e, e.prev)],
  clear: (e) => ["chat:cleared", toCleared(e)],
};
