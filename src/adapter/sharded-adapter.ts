import { createShardedAdapter } from "@socket.io/redis-adapter";
import type { Logger } from "pino";
import type { Adapter, ClusterMessage } from "socket.io-adapter";
import type { EntryBus } from "../delivery/entry-bus.js";
import type { NoticeBus } from "../delivery/notice-bus.js";
import { decodeEntries, isEntriesPayload } from "../store/redis/entries-payload.js";
import { decodeNotices, isNoticesPayload } from "../store/redis/notices-payload.js";
import { withChatRooms } from "./chat-rooms.js";
import { RoomSubscriptions, type RepairKind, type RoomSubscriptionsOptions } from "./room-subscriptions.js";
import { isProbePayload, SubscriptionProbe, type SubscriptionProbeOptions } from "./subscription-probe.js";
import { SubscriptionWatchdog, type ShardNodes, type SubscriptionWatchdogOptions, type WatchdogReport } from "./subscription-watchdog.js";

/** The package does not export its options type. */
export type ShardedRedisAdapterOptions = NonNullable<Parameters<typeof createShardedAdapter>[2]>;

export interface ChatShardedAdapterOptions {
  /** Receives the room entries the message store publishes on the room channels. */
  bus: EntryBus;
  /** Receives the moderation notices the message store announces on the room channels. @default dropped */
  notices?: NoticeBus;
  /** Observes each adapter SPUBLISH's latency in seconds (metrics). @default undefined */
  onPublish?: (seconds: number) => void;
  /** Told when an adapter publish fails: other replicas miss that event. @default ignore */
  onPublishError?: (err: unknown) => void;
  /** Told when a room channel carries an entries payload that does not decode. @default ignore */
  onBadPayload?: (channel: string) => void;
  /** @default "socket.io" (src/store/redis/room-channel.ts names the channels the same way) */
  channelPrefix?: string;
  /** Room subscriptions: grace period of an emptied room, retries. @default {} (RoomSubscriptions defaults: 5 s grace) */
  subscriptions?: Partial<RoomSubscriptionsOptions>;
  /** The probe that proves a subscription before a join is acked. @default {} (1 s timeout) */
  probe?: Partial<SubscriptionProbeOptions>;
  /**
   * The drift watchdog: the masters to ask and the name (`CLIENT SETNAME`) of this replica's
   * subscriber connections, with its options. @default undefined (no watchdog)
   */
  watchdog?: { nodes: ShardNodes; subscriberName: string } & Partial<SubscriptionWatchdogOptions>;
  /**
   * Registers a listener for changes of the subscriber's connections or of the slot map (a
   * reconnect, a failover, a migration); returns its removal. @default none (proofs never expire)
   */
  onSubscriberChange?: (listener: () => void) => () => void;
  /** Counts subscriptions repaired, by kind (metrics). @default ignore */
  onRepair?: (kind: RepairKind, count: number) => void;
  /** Logs failed subscription commands and repairs. @default none */
  logger?: Pick<Logger, "warn">;
}

/**
 * Internals of the stock ShardedRedisAdapter (@socket.io/redis-adapter 8.3.0, pinned) used here;
 * declared private there. src/adapter/internals.test.ts fails loudly when they change.
 */
export interface ShardedInternals {
  opts: Required<ShardedRedisAdapterOptions>;
  /** The namespace's channel and this instance's response channel (subscribed by the constructor). */
  channel: string;
  responseChannel: string;
  dynamicChannel(room: string): string;
  onRawMessage(message: Buffer, channel: Buffer): void;
  doPublish(message: ClusterMessage): Promise<string>;
}

/** An adapter that can say when a room's broadcasts from other replicas reach this one. */
export interface SubscriptionAware {
  /**
   * Resolves once this replica is subscribed to the room's channel and a probe it published there
   * came back since the subscriber's last connection change; rejects if Redis refused or failed.
   */
  whenSubscribed(room: string): Promise<void>;
  /** True when {@link whenSubscribed} would resolve at once (a proven room: no wait, no timer). */
  isSubscribed(room: string): boolean;
  /** Runs the drift watchdog now (tests, operators); undefined without one. */
  checkSubscriptions(): Promise<WatchdogReport> | undefined;
}

interface ShardedSubscriber {
  sSubscribe(channel: string, listener: (message: Buffer, channel: Buffer) => void, buffers: true): Promise<void>;
  sUnsubscribe(channel: string): Promise<void>;
}

interface ShardedPublisher {
  sPublish(channel: string, message: string): Promise<unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyAdapterClass = abstract new (...args: any[]) => Adapter;

/**
 * The stock sharded adapter in `dynamic-private` mode (every single-room broadcast goes to the
 * room's own sharded channel: one SPUBLISH to the shard that owns it), with this server's rules:
 * - {@link withChatRooms}: no default rooms, sender excluded by socket id;
 * - a join can wait for the room's subscription, proven by a probe ({@link SubscriptionAware});
 * - the room channel also carries the message store's entries (published from Lua on the room's
 *   shard, see src/store/redis/publish-lua.ts): those go to the {@link EntryBus}, not to the stock
 *   decoder. Every replica, the storing one included, delivers them from here, in one order.
 * - a failed publish is reported (the stock adapter only logs it at debug level).
 *
 * The package exports only the factory, not the class, so the class is taken from the first
 * instance and each instance is re-prototyped onto the patched subclass (which adds methods
 * only: no constructor work is skipped).
 */
export function createChatShardedAdapter(
  pubClient: unknown,
  subClient: unknown,
  options: ChatShardedAdapterOptions,
): (nsp: unknown) => Adapter {
  const stock = createShardedAdapter(pubClient, subClient, {
    subscriptionMode: "dynamic-private",
    channelPrefix: options.channelPrefix ?? "socket.io",
  });
  let Patched: AnyAdapterClass | undefined;
  return function (nsp: unknown) {
    const adapter = stock(nsp) as unknown as Adapter;
    Patched ??= patch(Object.getPrototypeOf(adapter).constructor as AnyAdapterClass, options);
    Object.setPrototypeOf(adapter, Patched.prototype);
    receiveEntries(adapter, options);
    trackSubscriptions(adapter, subClient as ShardedSubscriber, pubClient as ShardedPublisher, options);
    return adapter;
  };
}

function patch(Base: AnyAdapterClass, options: ChatShardedAdapterOptions): AnyAdapterClass {
  const Patched = withChatRooms(Base);
  const proto = Patched.prototype as unknown as ShardedInternals;
  const basePublish = (Base.prototype as unknown as ShardedInternals).doPublish;
  const { onPublish, onPublishError } = options;
  proto.doPublish = function (this: ShardedInternals, message: ClusterMessage) {
    const start = process.hrtime.bigint();
    return basePublish.call(this, message).then(
      (offset) => {
        onPublish?.(Number(process.hrtime.bigint() - start) / 1e9);
        return offset;
      },
      (err: unknown) => {
        onPublishError?.(err);
        throw err;
      },
    );
  };
  return Patched;
}

/** Entries payloads go to the bus, moderation notices to theirs; everything else to the stock decoder. */
function receiveEntries(adapter: Adapter, options: ChatShardedAdapterOptions): void {
  const internals = adapter as unknown as ShardedInternals;
  const stockOnRaw = internals.onRawMessage;
  // An own property, so the handler the constructor subscribed (`this.onRawMessage(...)`) finds it.
  internals.onRawMessage = function (this: ShardedInternals, raw: Buffer, channel: Buffer) {
    if (isNoticesPayload(raw)) {
      const notices = decodeNotices(raw);
      if (notices) options.notices?.emit(notices.room, notices.notices);
      else options.onBadPayload?.(channel.toString());
      return;
    }
    if (!isEntriesPayload(raw)) return stockOnRaw.call(this, raw, channel);
    const decoded = decodeEntries(raw);
    if (decoded) options.bus.emit(decoded.room, decoded.entries);
    else options.onBadPayload?.(channel.toString());
  };
}

/**
 * Every subscription of a room channel goes through one {@link RoomSubscriptions} state machine:
 * the stock "create-room" and "delete-room" listeners (an SSUBSCRIBE whose promise is dropped, an
 * SUNSUBSCRIBE that can race the next SSUBSCRIBE: issue #24) are replaced, probes are taken off
 * every channel before the decoders, and the watchdog (when given the masters) repairs drift.
 * {@link SubscriptionAware} lets a join wait for a subscription a probe proved real.
 */
function trackSubscriptions(adapter: Adapter, sub: ShardedSubscriber, pub: ShardedPublisher, options: ChatShardedAdapterOptions): void {
  const internals = adapter as unknown as ShardedInternals;
  for (const event of ["create-room", "delete-room"]) for (const stock of adapter.listeners(event)) adapter.off(event, stock as never);
  const probe = new SubscriptionProbe({ publish: (channel, payload) => pub.sPublish(channel, payload) }, options.probe);
  const decode = internals.onRawMessage;
  // Own property again: the stock constructor's handlers look `onRawMessage` up on the instance.
  internals.onRawMessage = function (this: ShardedInternals, raw: Buffer, channel: Buffer) {
    if (isProbePayload(raw)) return probe.received(raw);
    return decode.call(this, raw, channel);
  };
  const handler = (message: Buffer, channel: Buffer) => internals.onRawMessage(message, channel);
  // The namespace and response channels are the stock constructor's; tracked so the watchdog checks them too.
  const fixed = new Set([internals.channel, internals.responseChannel]);
  const roomPrefix = internals.dynamicChannel("").slice(0, -1);
  const rooms = (adapter as unknown as { rooms: Map<string, unknown> }).rooms;
  const subscriptions = new RoomSubscriptions(
    {
      client: { subscribe: (channel) => sub.sSubscribe(channel, handler, true), unsubscribe: (channel) => sub.sUnsubscribe(channel) },
      wanted: (channel) => fixed.has(channel) || (channel.startsWith(roomPrefix) && rooms.has(channel.slice(roomPrefix.length, -1))),
      probe: (channel) => probe.send(channel),
      onRepair: (kind) => options.onRepair?.(kind, 1),
      logger: options.logger,
    },
    options.subscriptions,
  );
  for (const channel of fixed) subscriptions.adopt(channel);
  const changed = (room: string) => subscriptions.update(internals.dynamicChannel(room));
  adapter.on("create-room", changed);
  adapter.on("delete-room", changed);

  const watch = options.watchdog;
  const watchdog = watch
    ? new SubscriptionWatchdog(
        {
          subscriptions,
          nodes: watch.nodes,
          subscriberName: watch.subscriberName,
          channelPattern: `${roomPrefix}*`,
          onStray: (count) => options.onRepair?.("stray", count),
          logger: options.logger,
        },
        watch,
      )
    : undefined;
  watchdog?.start();
  const unlisten = options.onSubscriberChange?.(() => {
    subscriptions.invalidate();
    watchdog?.kick();
  });
  const stockClose = adapter.close.bind(adapter);
  adapter.close = () => {
    unlisten?.();
    watchdog?.stop();
    probe.close();
    subscriptions.close();
    return stockClose();
  };
  const aware: SubscriptionAware = {
    whenSubscribed: (room) => subscriptions.whenReady(internals.dynamicChannel(room)),
    isSubscribed: (room) => subscriptions.isReady(internals.dynamicChannel(room)),
    checkSubscriptions: () => watchdog?.run(),
  };
  Object.assign(adapter, aware);
}
