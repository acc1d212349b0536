/**
 * Step 2 of the server: the chat on the Socket.IO server. Viewer counts, the send path (per-room
 * batching into the store) and the delivery path (published entries to this replica's members),
 * room operations shared by socket events and the HTTP API, and the socket event handlers.
 */
import type { Router } from "express";
import type { SubscriptionAware } from "../adapter/sharded-adapter.js";
import { createApiRouter } from "../api/api-router.js";
import { BEFORE_ROOM_BROADCAST } from "../adapter/chat-rooms.js";
import { handshakeMiddleware } from "../auth/handshake.js";
import { AbuseControl } from "../chat/abuse-control.js";
import type { ChatDeps } from "../chat/chat-deps.js";
import { connectionSetup } from "../chat/connection.js";
import { LocalDelivery } from "../delivery/local-delivery.js";
import { SendBatcher } from "../delivery/send-batcher.js";
import { LeanConnections } from "../engine/lean-connections.js";
import type { SharedFrameWriter } from "../engine/shared-frame.js";
import type { ChatMetrics } from "../observability/metrics.js";
import { ViewerCounts } from "../presence/viewer-counts.js";
import { createModeration, type Moderation } from "../moderation/moderation-kit.js";
import { ErrorCode, ProtocolError } from "../protocol/index.js";
import { ReplicaCommands } from "../rooms/replica-commands.js";
import { RoomService } from "../rooms/room-service.js";
import type { ChatIo, ChatNamespace } from "../socket/chat-io.js";
import type { AppendOutcome, MessageStore } from "../store/message-store.js";
import { timedMessageStore } from "../store/timed-message-store.js";
import { withDeadline } from "../util/with-deadline.js";
import { wireOps, type WiredOps } from "./ops-wiring.js";
import type { ChatServerDeps, ChatServerOptions } from "./server-options.js";

export interface WiredChat {
  viewers: ViewerCounts;
  /** The heartbeat and the cluster view; started once the server listens. */
  ops: WiredOps;
  /** Stops viewer counting, delivery and the abuse control's sweeper. */
  close(): Promise<void>;
}

/** Wires the chat onto `io`, and the HTTP API onto `api` (mounted by the HTTP app). */
export function wireChat(io: ChatIo, api: Router, opts: ChatServerOptions, deps: ChatServerDeps, frames?: SharedFrameWriter): WiredChat {
  const { logger, metrics } = deps;
  const nsp = io.of("/");
  const viewers = countViewers(io, opts, deps);
  if (metrics) readAtScrape(nsp, metrics);
  const store = metrics ? timedMessageStore(deps.store, metrics.storeLatency) : deps.store;
  const ops = wireOps(nsp, viewers, opts, deps);
  const sends = new SendBatcher(
    {
      append: async (room, drafts) => {
        const outcomes = await store.append(room, drafts);
        ops.rates.add(room, storedCount(outcomes));
        return outcomes;
      },
      onFlush: (n) => metrics?.sendBatchSize.observe(n),
      viewers: (room) => viewers.estimate(room),
    },
    { tickMs: opts.batchTickMs, maxTickMs: opts.batchMaxTickMs },
  );
  // The same tick on the receiving side: a busy room is written once per tick per replica,
  // however many replicas publish into it.
  const stopDelivery = deliverLocally(nsp, deps, frames, (room) => sends.tickFor(room));
  const moderation = createModeration(
    { nsp, store, team: deps.team, log: deps.moderationLog, notices: deps.notices, logger, onAnnounceError: () => metrics?.publishErrors.inc({ path: "notices" }) },
    opts.moderation,
  );
  const rooms = roomService(io, store, sends, deps, moderation);
  api.use(
    createApiRouter(
      { rooms, moderation: moderation.service, logger, onRequest: (route, status) => metrics?.apiRequests.inc({ route, status: String(status) }), cluster: ops.views, archive: deps.archive },
      { ...opts.api, messageMaxLength: opts.messageMaxLength },
    ),
  );
  const abuse = new AbuseControl(opts.abuse);
  const chat: ChatDeps = {
    store,
    sends,
    viewers,
    rooms,
    moderation,
    limits: { messageMaxLength: opts.messageMaxLength, maxRoomsPerSocket: opts.maxRoomsPerSocket },
    logger,
    metrics,
    abuse,
    roomReady: roomReadiness(nsp.adapter),
    archive: deps.archive,
  };
  handleSockets(io, chat, abuse, opts);
  return {
    viewers,
    ops,
    async close() {
      await viewers.stop();
      await ops.close();
      stopDelivery();
      moderation.close();
      abuse.close();
    },
  };
}

/** Messages a flush stored anew (not duplicates, mutes or refusals): the cluster view's messages per second. */
function storedCount(outcomes: AppendOutcome[]): number {
  let n = 0;
  for (const o of outcomes) if (o.id !== undefined && !o.duplicate) n++;
  return n;
}

/** Viewer counts over every replica, fed by the adapter's join and leave events. */
function countViewers(io: ChatIo, opts: ChatServerOptions, deps: ChatServerDeps): ViewerCounts {
  const nsp = io.of("/");
  const viewers = new ViewerCounts(
    {
      store: deps.presence,
      replicaId: deps.replicaId,
      announce: (room, count) => io.to(room).emit("room:viewers", { room, count }),
      tell: (socketId, room, count) => nsp.sockets.get(socketId)?.emit("room:viewers", { room, count }),
      logger: deps.logger,
    },
    opts.viewerCounts,
  );
  // Adapter events see every local join and leave, including the implicit leaves of a disconnect.
  nsp.adapter.on("join-room", (room: string, id: string) => viewers.joined(room, id));
  nsp.adapter.on("leave-room", (room: string, id: string) => viewers.left(room, id));
  viewers.start();
  return viewers;
}

/** Rooms and connections, read at scrape time: no bookkeeping on the join path, and no listener per connection. */
function readAtScrape(nsp: ChatNamespace, metrics: ChatMetrics): void {
  metrics.sources.rooms = () => nsp.adapter.rooms.size;
  metrics.sources.connections = () => nsp.sockets.size;
}

/** Published entries from the bus to this replica's members; returns the unsubscribe. */
function deliverLocally(nsp: ChatNamespace, deps: ChatServerDeps, frames: SharedFrameWriter | undefined, tickFor: (room: string) => number): () => void {
  const delivery = new LocalDelivery({
    nsp,
    frames,
    tickFor,
    onWrite: (kind, n) => deps.metrics?.deliveries.inc({ kind }, n),
    onShared: (encoding, n) => deps.metrics?.sharedFrames.inc({ encoding }, n),
  });
  const stop = deps.bus.listen((room, entries) => delivery.deliver(room, entries));
  nsp.adapter.on("delete-room", (room: string) => delivery.forget(room));
  // Nothing overtakes what a room's tick holds back (a deletion right after its message).
  nsp.adapter.on(BEFORE_ROOM_BROADCAST, (room: string) => delivery.flush(room));
  return () => {
    stop();
    delivery.close();
  };
}

/** Room operations for both callers (socket events, HTTP API), effective on every replica. */
function roomService(io: ChatIo, store: MessageStore, sends: SendBatcher, deps: ChatServerDeps, moderation: Moderation): RoomService {
  return new RoomService({
    audit: moderation.service,
    store,
    sends,
    presence: deps.presence,
    broadcast: {
      emit: (room, event, payload, except) => {
        const to = except ? io.to(room).except(except) : io.to(room);
        // The event and payload types are checked at RoomBroadcast's signature; this only forwards.
        (to.emit as (ev: string, arg: unknown) => boolean).call(to, event, payload);
      },
    },
    replicas: new ReplicaCommands({ nsp: io.of("/"), logger: deps.logger }),
    onBroadcast: (event) => deps.metrics?.broadcast.inc({ event }),
    archive: deps.archive,
  });
}

/** The handshake and abuse middlewares, then every client event through one shared dispatcher. */
function handleSockets(io: ChatIo, chat: ChatDeps, abuse: AbuseControl, opts: ChatServerOptions): void {
  io.use(handshakeMiddleware({ authSecret: opts.authSecret, tokenMaxTtlSec: opts.tokenMaxTtlSec, logger: chat.logger }));
  io.use(abuse.middleware());
  // Created once, shared by every connection: no closures per viewer (see shared-dispatch.ts).
  const setupSocket = connectionSetup(chat, opts);
  // Last: it shares what the setup attached, and drops what the middlewares read.
  const lean = new LeanConnections();
  io.on("connection", (socket) => {
    setupSocket(socket);
    lean.slim(socket);
  });
}

/** Longest wait for a room's subscription before a join fails as unavailable. */
const SUBSCRIBE_DEADLINE_MS = 2_000;
const READY = Promise.resolve();

/** The adapter's subscription wait, as a join step that fails with `unavailable`. */
function roomReadiness(adapter: unknown): ChatDeps["roomReady"] {
  const aware = adapter as Partial<SubscriptionAware>;
  if (typeof aware.whenSubscribed !== "function") return undefined;
  const unavailable = (cause?: unknown) =>
    new ProtocolError(ErrorCode.Unavailable, "message broker unavailable; retry", undefined, { cause });
  return (room) => {
    // A room whose subscription is already proven costs a join nothing: no promise chain, no timer.
    if (aware.isSubscribed?.(room)) return READY;
    return withDeadline(aware.whenSubscribed!(room), SUBSCRIBE_DEADLINE_MS, () => unavailable()).catch((err: unknown) => {
      throw err instanceof ProtocolError ? err : unavailable(err);
    });
  };
}
