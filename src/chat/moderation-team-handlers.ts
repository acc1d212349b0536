/**
 * The moderation team's socket events (issue #21; docs/protocol.md "Moderation"): reports from
 * anyone in the room; moderators appointed by the streamer; the review queue, blocked terms and
 * the log for the streamer and moderators. Each goes through the same {@link ChatDeps.moderation}
 * service as the HTTP API.
 */
import {
  MAX_LOG_PAGE,
  parseHeld,
  parseLogRequest,
  parseModerator,
  parseReport,
  parseReportDismiss,
  parseRoomRequest,
  parseTermAdd,
  parseTermRemove,
  type HeldApproved,
  type HeldDenied,
  type LogPage,
  type ModeratorAdded,
  type ModeratorList,
  type ModeratorRemoved,
  type QueueList,
  type ReportDismissed,
  type ReportResult,
  type TermAdded,
  type TermList,
  type TermRemoved,
} from "../protocol/index.js";
import type { ChatDeps } from "./chat-deps.js";
import type { ServerSocket } from "../socket/chat-io.js";
import { requireJoined } from "./message-handlers.js";
import { actorOf, authorIn, authorize, roleAt } from "./room-roles.js";

/** `chat:report`: anyone in the room reports a message of its history; bounded per user (store) and by the event bucket. */
export async function reportMessage(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<ReportResult> {
  const req = parseReport(payload);
  requireJoined(socket, req.room);
  return { reported: await deps.moderation.service.report(req.room, req.id, req.reason, authorIn(socket, roleAt(socket, req.room))) };
}

/** `mod:add`: the streamer appoints a moderator (by user id); they get `room:role` on every replica. */
export async function addModerator(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<ModeratorAdded> {
  const req = parseModerator(payload);
  const role = await authorize(deps, socket, req.room, "appoint");
  return { added: await deps.moderation.service.appoint(req.room, req, actorOf(socket, role)) };
}

/** `mod:remove`: the streamer removes an appointed moderator. */
export async function removeModerator(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<ModeratorRemoved> {
  const req = parseModerator(payload);
  const role = await authorize(deps, socket, req.room, "appoint");
  return { removed: await deps.moderation.service.dismiss(req.room, req.userId, actorOf(socket, role)) };
}

export async function listModerators(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<ModeratorList> {
  const { room } = parseRoomRequest(payload);
  await authorize(deps, socket, room, "moderators");
  return { moderators: await deps.moderation.service.moderators(room) };
}

/** `queue:list`: the held and reported messages (what is overdue is released first). */
export async function listQueue(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<QueueList> {
  const { room } = parseRoomRequest(payload);
  await authorize(deps, socket, room, "queue");
  return deps.moderation.service.queue(room);
}

/** `held:approve`: stores a held message now; the room gets it like any message. */
export async function approveHeld(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<HeldApproved> {
  const req = parseHeld(payload);
  const role = await authorize(deps, socket, req.room, "queue");
  return deps.moderation.service.approve(req.room, req.id, actorOf(socket, role));
}

/** `held:deny`: removes a held message before anyone sees it; its sender is told (`blocked`). */
export async function denyHeld(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<HeldDenied> {
  const req = parseHeld(payload);
  const role = await authorize(deps, socket, req.room, "queue");
  return { denied: await deps.moderation.service.deny(req.room, req.id, actorOf(socket, role), req.reason) };
}

/** `report:dismiss`: the reported message stays; off the queue. (To remove it: `chat:delete`.) */
export async function dismissReport(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<ReportDismissed> {
  const req = parseReportDismiss(payload);
  const role = await authorize(deps, socket, req.room, "queue");
  return { dismissed: await deps.moderation.service.dismissReport(req.room, req.id, actorOf(socket, role)) };
}

export async function listTerms(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<TermList> {
  const { room } = parseRoomRequest(payload);
  await authorize(deps, socket, room, "terms");
  return { terms: await deps.moderation.service.terms({ room }) };
}

export async function addTerm(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<TermAdded> {
  const { room, term, action, match } = parseTermAdd(payload);
  const role = await authorize(deps, socket, room, "terms");
  return { term: await deps.moderation.service.addTerm({ room }, term, { action, match }, actorOf(socket, role)) };
}

export async function removeTerm(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<TermRemoved> {
  const { room, term } = parseTermRemove(payload);
  const role = await authorize(deps, socket, room, "terms");
  return { removed: await deps.moderation.service.removeTerm({ room }, term, actorOf(socket, role)) };
}

/** `log:list`: the room's moderation log, newest first. */
export async function listLog(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<LogPage> {
  const req = parseLogRequest(payload);
  await authorize(deps, socket, req.room, "log");
  const query = req.before === undefined ? { limit: req.limit ?? MAX_LOG_PAGE / 2 } : { before: req.before, limit: req.limit ?? MAX_LOG_PAGE / 2 };
  return { entries: await deps.moderation.service.log(req.room, query) };
}
