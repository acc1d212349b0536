/**
 * A connection's role in a room at the socket edge, from the one permission table
 * (src/moderation/permissions.ts): cheap where it is hot (a send reads the role its join found),
 * authoritative where it is rare (a moderation action asks the store whether an appointment still
 * holds).
 */
import { publicUser } from "../auth/token.js";
import { PERMISSIONS, requireAction, roleIn, tokenExpired, type RoomAction } from "../moderation/permissions.js";
import type { ModerationActor, Role, User } from "../protocol/index.js";
import type { ServerSocket } from "../socket/chat-io.js";
import type { ChatDeps } from "./chat-deps.js";

/** The role the connection's last join (and role changes since) found: for sends and what they carry. */
export function roleAt(socket: ServerSocket, room: string): Role {
  return roleIn(socket.data.user, room, socket.data.moderates?.has(room) ?? false);
}

/** The author as a message in `room` shows them (their role there, their badges). */
export function authorIn(socket: ServerSocket, role: Role): User {
  return publicUser(socket.data.user, role);
}

/**
 * Throws `forbidden` unless the connection's user may take `action` in `room` now; resolves with
 * their role. An appointment is read from the store (it may have ended on another replica).
 */
export async function authorize(deps: Pick<ChatDeps, "moderation">, socket: ServerSocket, room: string, action: RoomAction): Promise<Role> {
  const user = socket.data.user;
  let appointed = false;
  const tokenAlone = roleIn(user, room, false);
  if (!PERMISSIONS[action].includes(tokenAlone) && PERMISSIONS[action].includes("moderator") && !user.ephemeral && !tokenExpired(user)) {
    appointed = await deps.moderation.service.isModerator(room, user.id);
  }
  return requireAction(user, room, appointed, action);
}

/** Who acted, as the moderation log names them. */
export function actorOf(socket: ServerSocket, role: Role): ModerationActor {
  const { id, name } = socket.data.user;
  return { id, name, role };
}
