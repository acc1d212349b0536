import { createHash } from "node:crypto";
import {
  ErrorCode,
  ProtocolError,
  RefusalReason,
  SUBSCRIBER_BADGE,
  parseChatSend,
  parseNoticeSend,
  type ChatSendRequest,
  type HeldReceipt,
  type HeldSendResult,
  type Role,
  type SendResult,
} from "../protocol/index.js";
import type { AppendOutcome, MessageDraft, StoredKind } from "../store/message-store.js";
import { ModerationService } from "../moderation/moderation-service.js";
import { normalizeText } from "../moderation/text-normalize.js";
import type { ChatDeps } from "./chat-deps.js";
import type { ServerSocket } from "../socket/chat-io.js";
import type { VerifiedUser } from "../auth/token.js";
import { roleIn } from "../moderation/permissions.js";
import { authorIn, authorize, roleAt } from "./room-roles.js";

export function requireJoined(socket: ServerSocket, room: string): void {
  if (!socket.rooms.has(room)) {
    throw new ProtocolError(ErrorCode.NotJoined, `join room "${room}" before sending to it`);
  }
}

/** Whether the user is the streamer who owns `room` (per its token, while the token lasts). */
export function isStreamerOf(user: VerifiedUser, room: string, now = Date.now()): boolean {
  return roleIn(user, room, false, now) === "streamer";
}

const MODE_REFUSALS: Partial<Record<string, [string, RefusalReason]>> = {
  sign_in_required: ["this room's chat mode is for signed-in users: sign in to chat", RefusalReason.SignInRequired],
  subscribers_only: ["this room is in subscribers-only mode", RefusalReason.SubscribersOnly],
  followers_only: ["this room is in followers-only mode: follow the stream to chat", RefusalReason.FollowersOnly],
  follow_too_recent: ["this room is in followers-only mode: you followed too recently to chat yet", RefusalReason.FollowTooRecent],
  unique_chat: ["this room is in unique-chat mode: that message was just sent, say something new", RefusalReason.UniqueChat],
};

/** The error a refused send acks with (nothing was stored). */
function refusal(outcome: AppendOutcome): ProtocolError {
  if (outcome.mutedForMs !== undefined) return new ProtocolError(ErrorCode.Forbidden, "you are muted in this room", outcome.mutedForMs);
  const mode = MODE_REFUSALS[outcome.refused ?? ""];
  if (mode) return new ProtocolError(ErrorCode.Forbidden, mode[0], outcome.retryAfterMs, { reason: mode[1] });
  switch (outcome.refused) {
    case "banned":
      return new ProtocolError(ErrorCode.Forbidden, "you are banned from this room", outcome.retryAfterMs);
    case "closed":
      return new ProtocolError(ErrorCode.Forbidden, "this room is not open: its streamer has not opened it");
    case "slow_mode":
      return new ProtocolError(ErrorCode.RateLimited, "slow mode is on in this room: wait before your next message", outcome.retryAfterMs);
    case "denied":
      return new ProtocolError(ErrorCode.Blocked, "a moderator removed your message before it was shown", undefined, { reason: RefusalReason.Denied });
    case "queue_full":
      return new ProtocolError(ErrorCode.RateLimited, "this room's moderators have too many messages to review; try again soon", 5_000, { reason: RefusalReason.QueueFull });
    default:
      return new ProtocolError(ErrorCode.BadRequest, "this clientId was used for another message");
  }
}

/**
 * The dedup key of a send. Per user when the user id outlives the connection (token users, and
 * anonymous clients that keep a session secret): someone else's predictable clientId can then
 * suppress nothing of yours. A plain v1 anonymous client gets a new user id per connection, so its
 * retry after a reconnect could not be matched by user: its key stays per room, as v1 says.
 */
export function dedupKeyOf(user: VerifiedUser, clientId: string): string {
  return user.ephemeral ? `a:${clientId}` : `u:${user.id}:${clientId}`;
}

/** Unique chat's key: the normalised text's hash (the store keeps it 30 s per room). */
function uniqueKeyOf(text: string): string {
  return createHash("sha1").update(normalizeText(text)).digest("base64url");
}

/**
 * The send path shared by chat and notices: stored with whatever else this replica sends to the
 * room within the tick (dedup, ban, mute, chat modes, slow mode and unique chat checked in the same
 * atomic step); the store publishes it to every replica once durable, and each delivers it to the
 * room except this socket. An ok ack means stored (on the shard's replica too, when it has one); a
 * retried clientId acks the first id. A held message (delay, review) is stored when released: a
 * v1 sender's ack waits for that, a `held` sender's says `held` at once.
 */
async function store(deps: ChatDeps, socket: ServerSocket, draft: MessageDraft, room: string): Promise<SendResult | HeldSendResult> {
  const outcome = await deps.sends.submit(room, draft);
  if (outcome.held) return held(deps, socket, room, draft, outcome);
  if (outcome.id === undefined) throw refusal(outcome);
  if (!outcome.duplicate) deps.metrics?.broadcast.inc({ event: draft.kind === "notice" ? "notice:send" : "chat:send" });
  return { id: outcome.id };
}

async function held(deps: ChatDeps, socket: ServerSocket, room: string, draft: MessageDraft, outcome: Extract<AppendOutcome, { held: HeldReceipt }>): Promise<SendResult | HeldSendResult> {
  const { acks, releaser, announcer } = deps.moderation;
  const receipt = outcome.held;
  if (!outcome.duplicate) {
    if (outcome.releaseInMs !== undefined) releaser.own(room, receipt.id, outcome.releaseInMs);
    const message = ModerationService.heldMessage(room, receipt, {
      kind: draft.kind === "question" ? "question" : "chat",
      text: draft.text,
      user: draft.user,
      ts: Date.now(),
      ...(draft.review ? { term: draft.review.term } : {}),
      ...(draft.replyTo ? { replyTo: draft.replyTo } : {}),
    });
    announcer.say(room, [{ type: "held", messages: [message] }]);
  }
  if (socket.data.held) {
    acks.watch(room, receipt.id, socket.id, outcome.releaseInMs ?? 0, (result) => socket.emit("chat:held", result));
    return { held: receipt };
  }
  return { id: await acks.wait(room, receipt.id, socket.id, outcome.releaseInMs ?? 0) };
}

/**
 * `chat:send`: a message (chat or question, maybe a reply) to a joined room. A viewer's text is
 * checked against the site's and the room's blocked terms first: a blocking one refuses it
 * (`blocked`), a holding one sends it to review.
 */
export async function sendChat(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<SendResult | HeldSendResult> {
  const req = parseChatSend(payload, deps.limits.messageMaxLength);
  requireJoined(socket, req.room);
  const role = roleAt(socket, req.room);
  const draft = await chatDraft(deps, socket, req, role);
  return store(deps, socket, draft, req.room);
}

async function chatDraft(deps: ChatDeps, socket: ServerSocket, req: ChatSendRequest, role: Role): Promise<MessageDraft> {
  const user = socket.data.user;
  const { moderation } = deps;
  const draft: MessageDraft = {
    kind: req.kind,
    text: req.text,
    user: authorIn(socket, role),
    dedupKey: dedupKeyOf(user, req.clientId),
    sender: socket.id,
    // The room's streamer is not held to bans, mutes, modes or slow mode in their own room;
    // moderators to the modes, slow mode, the delay and blocked terms.
    exempt: role === "streamer",
    modExempt: role === "moderator",
  };
  const [hit, replyTo] = await Promise.all([
    role === "viewer" ? moderation.terms.check(req.room, req.text) : undefined,
    req.replyTo === undefined ? undefined : moderation.service.replyTo(req.room, req.replyTo),
  ]);
  if (hit?.action === "block") throw new ProtocolError(ErrorCode.Blocked, "your message contains a term this room does not allow", undefined, { reason: RefusalReason.BlockedTerm });
  if (hit) draft.review = { term: hit.term };
  if (replyTo) draft.replyTo = replyTo;
  if (role === "viewer") {
    draft.uniqueKey = uniqueKeyOf(req.text);
    if (!user.ephemeral && user.expiresAt !== undefined) {
      draft.claims = { subscriber: user.badges?.includes(SUBSCRIBER_BADGE) ?? false, followedAt: user.followedAt ?? null };
    }
  }
  return draft;
}

/** `notice:send`: for the streamer of that room only; it replaces the room's current notice. */
export async function sendNotice(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<SendResult> {
  const req = parseNoticeSend(payload, deps.limits.messageMaxLength);
  const role = await authorize(deps, socket, req.room, "notice");
  requireJoined(socket, req.room);
  const draft: MessageDraft = { kind: "notice" satisfies StoredKind, text: req.text, user: authorIn(socket, role), dedupKey: dedupKeyOf(socket.data.user, req.clientId), sender: socket.id, exempt: true };
  return (await store(deps, socket, draft, req.room)) as SendResult;
}
