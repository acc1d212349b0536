/**
 * Who may do what in a room: the one table (docs/protocol.md, "Permissions"), used by the socket
 * handlers (src/chat/) and mirrored by the HTTP API (the site may do everything). A user's role in
 * a room comes from their token (the streamer: `rooms`; a moderator: `mod`) or from the room's
 * appointed moderators (the store); a token's rights end at its `exp`, on an open connection too.
 */
import type { VerifiedUser } from "../auth/token.js";
import { ErrorCode, ProtocolError, type Role } from "../protocol/index.js";

/** Every privileged action in a room, with what a refusal says it was ("only ... may <what>"). */
export const ROOM_ACTIONS = {
  notice: "post notices",
  appoint: "appoint or remove moderators",
  delete: "delete messages",
  mute: "mute users",
  ban: "ban users",
  unban: "lift bans",
  clear: "clear the chat",
  configure: "change its settings",
  terms: "manage its blocked terms",
  queue: "review held and reported messages",
  log: "read its moderation log",
  moderators: "list its moderators",
} as const;

export type RoomAction = keyof typeof ROOM_ACTIONS;

const TEAM: readonly Role[] = ["streamer", "moderator"];

/** The permission table: the roles that may take each action (anyone may chat, reply and report). */
export const PERMISSIONS: { readonly [A in RoomAction]: readonly Role[] } = {
  notice: ["streamer"],
  appoint: ["streamer"],
  delete: TEAM,
  mute: TEAM,
  ban: TEAM,
  unban: TEAM,
  clear: TEAM,
  configure: TEAM,
  terms: TEAM,
  queue: TEAM,
  log: TEAM,
  moderators: TEAM,
};

export function can(role: Role, action: RoomAction): boolean {
  return PERMISSIONS[action].includes(role);
}

/** Whether the user's token has expired (anonymous users have none). */
export function tokenExpired(user: VerifiedUser, now = Date.now()): boolean {
  return user.expiresAt !== undefined && now >= user.expiresAt;
}

/**
 * The user's role in `room` while the token lasts: the streamer who owns it, a moderator (named by
 * the token's `mod`, or `appointed` by the streamer), else a viewer. An ephemeral anonymous
 * viewer (no session) is never more than a viewer.
 */
export function roleIn(user: VerifiedUser, room: string, appointed: boolean, now = Date.now()): Role {
  if (tokenExpired(user, now) || user.ephemeral) return "viewer";
  if (user.role === "streamer" && user.rooms.includes(room)) return "streamer";
  if (appointed || user.modRooms?.includes(room)) return "moderator";
  return "viewer";
}

/**
 * Throws `forbidden` unless the user may take `action` in `room`. A token that would have allowed
 * it but has expired says so (the user must reconnect with a new one).
 */
export function requireAction(user: VerifiedUser, room: string, appointed: boolean, action: RoomAction, now = Date.now()): Role {
  const role = roleIn(user, room, appointed, now);
  if (can(role, action)) return role;
  const what = ROOM_ACTIONS[action];
  if (tokenExpired(user, now) && can(roleIn({ ...user, expiresAt: undefined }, room, appointed, now), action)) {
    throw new ProtocolError(ErrorCode.Forbidden, `your token has expired: reconnect with a new one to ${what}`);
  }
  const who = PERMISSIONS[action].length === 1 ? `the streamer of "${room}"` : `the streamer and moderators of "${room}"`;
  throw new ProtocolError(ErrorCode.Forbidden, `only ${who} may ${what}`);
}
