import { ErrorCode, ProtocolError, parseJoin, parseLeave, type JoinResult } from "../protocol/index.js";
import type { ChatDeps } from "./chat-deps.js";
import type { ServerSocket } from "../socket/chat-io.js";
import { isStreamerOf } from "./message-handlers.js";
import { toChatMessage, toNotice } from "../delivery/wire-entries.js";
import { roleIn } from "../moderation/permissions.js";

/**
 * Messages in the ack of a join of a room the socket is already in, when it cannot recover from
 * `since`. Such a re-join is cheap: a client that lost track asks with `since` (only what follows
 * comes back); without one it gets this page, not the whole history again (each full-history ack
 * is ~100-300 KB; a re-join loop was a memory attack, issue #11).
 */
export const REJOIN_PAGE = 20;

/**
 * `room:join`: a banned user is refused before anything else (they never become a member, so no
 * live entry reaches them; the room's own streamer cannot be banned from it); then joins, then
 * reads history, so no message falls between the two; a message that lands in both is the same
 * id, which clients de-duplicate by (PROTOCOL.md). The ack says the user's role in the room; a
 * streamer or moderator also gets the room's moderation events from then on.
 */
export async function joinRoom(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<JoinResult> {
  const { room, since } = parseJoin(payload);
  const already = socket.rooms.has(room);
  if (!already && socket.rooms.size >= deps.limits.maxRoomsPerSocket) {
    throw new ProtocolError(
      ErrorCode.BadRequest,
      `a connection may be in at most ${deps.limits.maxRoomsPerSocket} rooms`,
    );
  }
  const user = socket.data.user;
  const streamer = isStreamerOf(user, room);
  // A streamer joining its own room opens it for viewers' messages (REQUIRE_OPEN_ROOMS).
  const opening = streamer ? deps.store.open(room) : undefined;
  const [{ settings, ban, appointed }] = await Promise.all([deps.store.access(room, user.id), opening]);
  if (ban && !streamer) {
    if (already) await socket.leave(room);
    const left = ban.until === null ? undefined : Math.max(0, ban.until - Date.now());
    throw new ProtocolError(ErrorCode.Forbidden, "you are banned from this room", left);
  }
  const role = roleIn(user, room, appointed);
  if (appointed) (socket.data.moderates ??= new Set()).add(room);
  else socket.data.moderates?.delete(room);
  if (!already) await socket.join(room);
  try {
    // Live delivery must have started before history is read, or a message could fall between.
    await deps.roomReady?.(room);
    const { feed, releaser } = deps.moderation;
    if (role === "viewer") feed.remove(room, socket.id);
    else feed.add(room, socket.id);
    // Delayed messages whose replica is gone (and whose notice this replica never saw) go out now.
    if (settings.delaySec) void releaser.sweep(room).catch(() => undefined);
    const [history, notice] = await Promise.all([deps.store.history(room, since), deps.store.notice(room)]);
    deps.metrics?.joins.inc();
    const messages = already && !history.recovered ? history.messages.slice(-REJOIN_PAGE) : history.messages;
    return {
      room,
      viewers: deps.viewers.estimate(room),
      recovered: history.recovered,
      messages: messages.map((m) => toChatMessage(m)),
      notice: notice ? toNotice(notice) : null,
      settings,
      role,
    };
  } catch (err) {
    // A failed join changes nothing.
    if (!already) await socket.leave(room);
    throw err;
  }
}

/** `room:leave`: leaving a room the socket is not in is a no-op, acked ok. */
export async function leaveRoom(socket: ServerSocket, payload: unknown): Promise<object> {
  const { room } = parseLeave(payload);
  if (socket.rooms.has(room)) await socket.leave(room);
  return {};
}
