import { createShardedAdapter } from "@socket.io/redis-adapter";
import { MessageType, type Adapter, type ClusterMessage } from "socket.io-adapter";
import { withChatRooms } from "./chat-rooms.js";
import { installPublishCoalescing, type CoalescingInternals } from "./publish-coalescing.js";

/** The package does not export its options type. */
export type ShardedRedisAdapterOptions = NonNullable<Parameters<typeof createShardedAdapter>[2]>;

export interface ChatShardedAdapterOptions extends ShardedRedisAdapterOptions {
  /** Observes each SPUBLISH's latency in seconds (metrics). @default undefined */
  onPublish?: (seconds: number) => void;
  /**
   * Broadcasts to one room within this many ms leave as one SPUBLISH (see publish-coalescing.ts).
   * 0 publishes each at once. Every replica understands batches either way.
   * @default 0
   */
  publishCoalescingMs?: number;
  /** Called when a coalesced publish fails (logging). @default ignore */
  onPublishError?: (err: unknown) => void;
}

/** Internals of the stock ShardedRedisAdapter that we re-route; declared private there. */
interface ShardedInternals {
  channel: string;
  dynamicChannel(room: string): string;
  onRawMessage(message: Buffer, channel: Buffer): void;
  opts: Required<ShardedRedisAdapterOptions>;
}

/** An adapter that can say when a room's broadcasts from other replicas reach this one. */
export interface SubscriptionAware {
  /** Resolves once this replica is subscribed to the room's channel; rejects if Redis refused. */
  whenSubscribed(room: string): Promise<void>;
}

interface ShardedSubscriber {
  sSubscribe(channel: string, listener: (message: Buffer, channel: Buffer) => void, buffers: true): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyAdapterClass = abstract new (...args: any[]) => Adapter;

/**
 * The stock sharded adapter with this server's rules, for every replica:
 * - {@link withChatRooms}: no default rooms, sender excluded by socket id;
 * - room routing by room, not by name length. The stock `computeChannel` sends a broadcast to a
 *   20-character room on the namespace-wide channel (every replica gets it) because such a name
 *   "looks like a socket id". Sockets here never have a room named after their id, so every room is
 *   a public room with its own sharded channel: one SPUBLISH to the shard that owns it.
 */
function patch(Base: AnyAdapterClass, options: ChatShardedAdapterOptions): AnyAdapterClass {
  const { onPublish } = options;
  const Patched = withChatRooms(Base);
  const proto = Patched.prototype as unknown as ShardedInternals & {
    computeChannel(message: ClusterMessage): string;
    shouldUseASeparateNamespace(room: string): boolean;
    doPublish(message: ClusterMessage): Promise<string>;
  };
  if (onPublish) {
    const basePublish = (Base.prototype as unknown as typeof proto).doPublish;
    proto.doPublish = function (this: typeof proto, message: ClusterMessage) {
      const start = process.hrtime.bigint();
      return basePublish.call(this, message).finally(() => onPublish(Number(process.hrtime.bigint() - start) / 1e9));
    };
  }
  proto.computeChannel = function (this: ShardedInternals, message: ClusterMessage) {
    const dynamic = this.opts.subscriptionMode !== "static";
    if (
      dynamic &&
      message.type === MessageType.BROADCAST &&
      // A broadcast with acks needs every server's answer, so it must reach all of them.
      message.data.requestId === undefined &&
      message.data.opts.rooms.length === 1
    ) {
      return this.dynamicChannel(message.data.opts.rooms[0]!);
    }
    return this.channel;
  };
  proto.shouldUseASeparateNamespace = function (this: ShardedInternals) {
    return this.opts.subscriptionMode !== "static";
  };
  // On top of the timed doPublish above, so a coalesced publish is not timed as instant.
  const stock = Base.prototype as unknown as CoalescingInternals;
  installPublishCoalescing(
    proto as unknown as CoalescingInternals,
    { doPublish: proto.doPublish, onRawMessage: stock.onRawMessage, close: stock.close },
    options.publishCoalescingMs ?? 0,
    options.onPublishError,
  );
  return Patched;
}

/**
 * `createShardedAdapter` with the patches above. The package exports only the factory, not the
 * class, so the class is taken from the first instance and each instance is re-prototyped onto
 * the patched subclass (which adds methods only: no constructor work is skipped).
 */
export function createChatShardedAdapter(
  pubClient: unknown,
  subClient: unknown,
  options: ChatShardedAdapterOptions = {},
): (nsp: unknown) => Adapter {
  const { onPublish, publishCoalescingMs, onPublishError, ...stockOptions } = options;
  const stock = createShardedAdapter(pubClient, subClient, { subscriptionMode: "dynamic", ...stockOptions });
  let Patched: AnyAdapterClass | undefined;
  return function (nsp: unknown) {
    const adapter = stock(nsp) as unknown as Adapter;
    Patched ??= patch(Object.getPrototypeOf(adapter).constructor as AnyAdapterClass, {
      onPublish,
      publishCoalescingMs,
      onPublishError,
    });
    Object.setPrototypeOf(adapter, Patched.prototype);
    trackSubscriptions(adapter, subClient as ShardedSubscriber);
    return adapter;
  };
}

/**
 * The stock adapter subscribes a new room's channel on "create-room" and drops the promise, so a
 * join cannot know when broadcasts from other replicas start arriving; history read before that
 * moment could miss a message published in between. This replaces that listener with one that
 * keeps the promise, and exposes it as {@link SubscriptionAware.whenSubscribed}. A failed
 * subscription is retried by the next join that waits on it.
 */
function trackSubscriptions(adapter: Adapter, sub: ShardedSubscriber): void {
  const internals = adapter as unknown as ShardedInternals;
  if (internals.opts.subscriptionMode === "static") {
    Object.assign(adapter, { whenSubscribed: () => Promise.resolve() } satisfies SubscriptionAware);
    return;
  }
  for (const stockListener of adapter.listeners("create-room")) adapter.off("create-room", stockListener as never);
  const handler = (message: Buffer, channel: Buffer) => internals.onRawMessage(message, channel);
  const subscriptions = new Map<string, Promise<void>>();
  const subscribe = (room: string) => {
    const done = sub.sSubscribe(internals.dynamicChannel(room), handler, true);
    subscriptions.set(room, done);
    done.catch(() => undefined); // awaited by joins; an unobserved failure must not crash us
    return done;
  };
  adapter.on("create-room", (room: string) => void subscribe(room));
  // The stock "delete-room" listener unsubscribes the channel.
  adapter.on("delete-room", (room: string) => subscriptions.delete(room));
  const aware: SubscriptionAware = {
    whenSubscribed: (room) => {
      const pending = subscriptions.get(room);
      if (!pending) return Promise.resolve();
      return pending.catch(() => (subscriptions.get(room) === pending ? subscribe(room) : subscriptions.get(room)));
    },
  };
  Object.assign(adapter, aware);
}
