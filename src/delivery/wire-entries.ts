import type { VerifiedUser } from "../auth/token.js";
import type { ChatMessage, MessageKind, Notice, User } from "../protocol/index.js";
import type { StoredMessage } from "../store/message-store.js";

/** The user as other clients see it: never the token's room list. */
export function publicUser(user: VerifiedUser): User {
  return { id: user.id, name: user.name, role: user.role };
}

/** `prev` is given for live events (see ChatMessage.prev), never for history. */
export function toChatMessage(m: StoredMessage, prev?: string | null): ChatMessage {
  const msg: ChatMessage = { id: m.id, room: m.room, kind: m.kind as MessageKind, text: m.text, user: m.user, ts: m.ts };
  if (m.system) msg.system = true;
  if (prev !== undefined) msg.prev = prev;
  return msg;
}

export function toNotice(m: StoredMessage, prev?: string | null): Notice {
  const notice: Notice = { id: m.id, room: m.room, text: m.text, user: m.user, ts: m.ts };
  if (m.system) notice.system = true;
  if (prev !== undefined) notice.prev = prev;
  return notice;
}
