import type { LookupFunction } from "node:net";
import { createClient, createCluster } from "redis";
import type { Logger } from "pino";
import { redactRedisUrl, type RedisConfig } from "./redis-config.js";
import { hashSlot } from "./hash-slot.js";
import { withDeadline } from "../util/with-deadline.js";
import type { RedisCommands } from "./lua-script.js";
import type { NodeConnection, WriteRoute } from "./replicated-writes.js";
import { sharedLookup } from "./shared-lookup.js";

export type { RedisCommands };

export interface RedisClients {
  /** Publishes (SPUBLISH), reads, and runs the stores' other commands; routes by key. */
  pub: RedisCommands & object;
  /** Sharded subscriptions only: a client in subscriber mode cannot run other commands. */
  sub: object;
  mode: RedisConfig["mode"];
  /**
   * Where a key's confirmed writes go: the connection to its master on the writer client, which
   * carries only those writes and their WAITs (a WAIT blocks its connection while a replica lags).
   */
  route(key: string): Promise<WriteRoute>;
  /** Cluster only: `CLUSTER SHARDS` from a master other than `exclude` when one answers. */
  clusterShards?(exclude?: string): Promise<unknown>;
  /** Cluster only: the master address (`host:port`) the clients route `slot` to now. */
  slotOwner?(slot: number): string | undefined;
  /** Cluster only: makes every client re-read the cluster's slot map now. */
  rediscover?(): Promise<void>;
  /** Cheap liveness check for /readyz: a PING with a deadline. */
  ping(timeoutMs: number): Promise<boolean>;
  /** The subscriber is connected (node-redis re-subscribes its channels after a reconnect). */
  subscribed(): boolean;
  /** Every master (standalone: the one server), each with a way to run a command on it, for the subscription watchdog. */
  masters(): Promise<{ address: string; send(args: string[]): Promise<unknown> }[]>;
  /** Address of the master the subscriber holds a channel's slot on ("standalone" without a cluster). */
  ownerOf(channel: string): string | undefined;
  /**
   * Calls `listener` whenever one of the subscriber's connections connects, reconnects or drops, or
   * node-redis fails to move a channel after a slot migration; returns its removal.
   */
  onSubscriberChange(listener: () => void): () => void;
  close(): Promise<void>;
}

export interface RedisClientsOptions {
  /** @default 5000 */
  connectTimeoutMs: number;
  /** Longest wait between reconnect attempts. @default 2000 */
  maxReconnectDelayMs: number;
  /** Resolves node names for every client's sockets. @default one {@link sharedLookup} over `dns.lookup` for these clients */
  lookup: LookupFunction | undefined;
  /** Called on every client error and reconnect (metrics hook). */
  onEvent?: (event: "error" | "reconnecting" | "ready", client: "pub" | "sub" | "writer") => void;
  /** `CLIENT SETNAME` of the subscriber's connections, so Redis can tell which are this replica's. @default none */
  subscriberName?: string;
}

/** The subscriber's connection events (standalone client, then cluster nodes) after which its subscriptions must prove themselves again. */
const SUBSCRIBER_CHANGES = ["ready", "reconnecting", "end", "node-ready", "node-reconnecting", "node-disconnect", "sharded-channel-moved-error"];

const defaults: RedisClientsOptions = { connectTimeoutMs: 5_000, maxReconnectDelayMs: 2_000, lookup: undefined };

/** The parts of node-redis's cluster client used here beyond commands (public API unless noted). */
interface ClusterClient {
  slots: { master: { address: string } }[];
  masters: { address: string }[];
  nodeClient(node: { address: string }): Promise<NodeConnection>;
  /** node-redis internal (pinned version, guarded by internals.test.ts beside this file). */
  _slots: { rediscover(startWith?: unknown): Promise<void> };
}

/** Connects a publisher, a writer and a subscriber to a Redis Cluster or a standalone Redis. */
export async function connectRedis(
  config: RedisConfig,
  logger: Logger,
  options: Partial<RedisClientsOptions> = {},
): Promise<RedisClients> {
  const opts = { ...defaults, ...options } satisfies RedisClientsOptions;
  const socket = {
    // A dead node's name must not starve the lookups of the live ones (see shared-lookup.ts).
    lookup: opts.lookup ?? sharedLookup(),
    connectTimeout: opts.connectTimeoutMs,
    reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, opts.maxReconnectDelayMs),
  };
  // The publisher and the writer fail fast while disconnected instead of queueing: a send acked
  // `unavailable` must not be stored later, when a queued command would replay. The subscriber
  // keeps its queue: node-redis re-subscribes after a reconnect.
  // The password goes in every client's defaults: node-redis applies a cluster's `defaults` to the
  // nodes it discovers from CLUSTER SLOTS too, not only to the seeds.
  const auth = config.password === undefined ? {} : { password: config.password };
  const failFast = { socket, disableOfflineQueue: true, ...auth };
  const make = (defaults: object) =>
    config.mode === "cluster"
      ? createCluster({ rootNodes: config.urls.map((url) => ({ url })), defaults })
      : createClient({ url: config.urls[0], ...defaults });
  const pub = make(failFast);
  const writer = make(failFast);
  const sub = make({ socket, ...auth, ...(opts.subscriberName ? { name: opts.subscriberName } : {}) });
  const clients = { pub, sub, writer } as const;
  for (const [name, client] of Object.entries(clients) as ["pub" | "sub" | "writer", object][]) {
    // node-redis throws an unhandled 'error' event otherwise: a Redis blip must never crash us.
    const emitter = client as unknown as NodeJS.EventEmitter;
    emitter.on("error", (err: Error) => {
      opts.onEvent?.("error", name);
      logger.warn({ err: err.message, client: name }, "redis client error");
    });
    emitter.on("reconnecting", () => opts.onEvent?.("reconnecting", name));
    emitter.on("ready", () => opts.onEvent?.("ready", name));
  }
  await Promise.all([pub.connect(), sub.connect(), writer.connect()]);
  logger.info({ mode: config.mode, nodes: config.urls.map(redactRedisUrl), password: config.password === undefined ? "none" : "set" }, "connected to redis");

  const common = {
    pub: pub as unknown as RedisCommands,
    sub,
    mode: config.mode,
    async ping(timeoutMs: number) {
      const send = pub as unknown as { sendCommand(...args: unknown[]): Promise<unknown> };
      // A cluster's sendCommand takes (firstKey, isReadonly, args): with no key any node answers.
      const ping = config.mode === "cluster" ? send.sendCommand(undefined, true, ["PING"]) : send.sendCommand(["PING"]);
      return withDeadline(ping, timeoutMs, () => new Error("ping timeout")).then(
        () => true,
        () => false,
      );
    },
    subscribed() {
      return (sub as unknown as { isReady?: boolean; isOpen?: boolean }).isReady ?? sub.isOpen;
    },
    onSubscriberChange(listener: () => void) {
      const emitter = sub as unknown as NodeJS.EventEmitter;
      for (const event of SUBSCRIBER_CHANGES) emitter.on(event, listener);
      return () => {
        for (const event of SUBSCRIBER_CHANGES) emitter.off(event, listener);
      };
    },
    async close() {
      await Promise.allSettled([sub.close(), pub.close(), writer.close()]);
    },
  };

  if (config.mode !== "cluster") {
    const node = writer as unknown as NodeConnection;
    const send = pub as unknown as { sendCommand(args: string[]): Promise<unknown> };
    return {
      ...common,
      route: async (key) => ({ node, address: "standalone", slot: hashSlot(key) }),
      masters: async () => [{ address: "standalone", send: (args) => send.sendCommand(args) }],
      ownerOf: () => "standalone",
    };
  }

  const writerCluster = writer as unknown as ClusterClient;
  const pubCluster = pub as unknown as ClusterClient;
  return {
    ...common,
    async route(key) {
      const slot = hashSlot(key);
      const master = writerCluster.slots[slot]?.master;
      if (!master) throw new Error(`no master known for slot ${slot}`);
      return { node: await writerCluster.nodeClient(master), address: master.address, slot };
    },
    async clusterShards(exclude) {
      // Every other master at once, first answer wins: one of them may be frozen.
      const others = pubCluster.masters.filter((m) => m.address !== exclude);
      const ask = async (master: { address: string }) => (await pubCluster.nodeClient(master)).sendCommand(["CLUSTER", "SHARDS"]);
      return Promise.any((others.length > 0 ? others : pubCluster.masters).map(ask));
    },
    slotOwner: (slot) => writerCluster.slots[slot]?.master.address,
    async masters() {
      return pubCluster.masters.map((master) => ({
        address: master.address,
        send: async (args: string[]) => (await pubCluster.nodeClient(master)).sendCommand(args),
      }));
    },
    // The subscriber's own slot map: where its connection for the channel is (the watchdog counts there).
    ownerOf: (channel) => (sub as unknown as ClusterClient).slots[hashSlot(channel)]?.master.address,
    async rediscover() {
      const all = [pub, writer, sub] as unknown as ClusterClient[];
      await Promise.allSettled(all.map((c) => c._slots.rediscover()));
    },
  };
}
