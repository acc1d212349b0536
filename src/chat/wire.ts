import type { VerifiedUser } from "../auth/token.js";
import type { ChatMessage, MessageKind, Notice, User } from "../protocol/index.js";
import type { StoredMessage } from "../store/message-store.js";

/** The user as other clients see it: never the token's room list. */
export function publicUser(user: VerifiedUser): User {
  return { id: user.id, name: user.name, role: user.role };
}

export function toChatMessage(m: StoredMessage): ChatMessage {
  return { id: m.id, room: m.room, kind: m.kind as MessageKind, text: m.text, user: m.user, ts: m.ts };
}

export function toNotice(m: StoredMessage): Notice {
  return { id: m.id, room: m.room, text: m.text, user: m.user, ts: m.ts };
}
