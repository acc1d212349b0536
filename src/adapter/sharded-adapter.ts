import { createShardedAdapter } from "@socket.io/redis-adapter";
import type { Adapter, ClusterMessage } from "socket.io-adapter";
import type { EntryBus } from "../delivery/entry-bus.js";
import { decodeEntries, isEntriesPayload } from "../store/redis/entries-payload.js";
import { withChatRooms } from "./chat-rooms.js";

/** The package does not export its options type. */
export type ShardedRedisAdapterOptions = NonNullable<Parameters<typeof createShardedAdapter>[2]>;

export interface ChatShardedAdapterOptions {
  /** Receives the room entries the message store publishes on the room channels. */
  bus: EntryBus;
  /** Observes each adapter SPUBLISH's latency in seconds (metrics). @default undefined */
  onPublish?: (seconds: number) => void;
  /** Told when an adapter publish fails: other replicas miss that event. @default ignore */
  onPublishError?: (err: unknown) => void;
  /** Told when a room channel carries an entries payload that does not decode. @default ignore */
  onBadPayload?: (channel: string) => void;
  /** @default "socket.io" (src/store/redis/room-channel.ts names the channels the same way) */
  channelPrefix?: string;
}

/**
 * Internals of the stock ShardedRedisAdapter (@socket.io/redis-adapter 8.3.0, pinned) used here;
 * declared private there. src/adapter/internals.test.ts fails loudly when they change.
 */
export interface ShardedInternals {
  opts: Required<ShardedRedisAdapterOptions>;
  dynamicChannel(room: string): string;
  onRawMessage(message: Buffer, channel: Buffer): void;
  doPublish(message: ClusterMessage): Promise<string>;
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
 * The stock sharded adapter in `dynamic-private` mode (every single-room broadcast goes to the
 * room's own sharded channel: one SPUBLISH to the shard that owns it), with this server's rules:
 * - {@link withChatRooms}: no default rooms, sender excluded by socket id;
 * - a join can wait for the room's subscription ({@link SubscriptionAware});
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
    trackSubscriptions(adapter, subClient as ShardedSubscriber);
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

/** Entries payloads go to the bus; everything else to the stock decoder. */
function receiveEntries(adapter: Adapter, options: ChatShardedAdapterOptions): void {
  const internals = adapter as unknown as ShardedInternals;
  const stockOnRaw = internals.onRawMessage;
  // An own property, so the handler the constructor subscribed (`this.onRawMessage(...)`) finds it.
  internals.onRawMessage = function (this: ShardedInternals, raw: Buffer, channel: Buffer) {
    if (!isEntriesPayload(raw)) return stockOnRaw.call(this, raw, channel);
    const decoded = decodeEntries(raw);
    if (decoded) options.bus.emit(decoded.room, decoded.entries);
    else options.onBadPayload?.(channel.toString());
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
