import { createClient, createCluster } from "redis";
import type { Logger } from "pino";
import type { RedisConfig } from "../config.js";
import { withDeadline } from "./lua-script.js";

/**
 * The few node-redis commands the stores use, common to a cluster and a standalone client, so a
 * store works with either (and the tests can pass either).
 */
export interface RedisCommands {
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

export interface RedisClients {
  /** Publishes (SPUBLISH) and runs the stores' commands. */
  pub: RedisCommands & object;
  /** Sharded subscriptions only: a client in subscriber mode cannot run other commands. */
  sub: object;
  mode: RedisConfig["mode"];
  /** Cheap liveness check for /readyz: a PING with a deadline. */
  ping(timeoutMs: number): Promise<boolean>;
  /** The subscriber is connected (node-redis re-subscribes its channels after a reconnect). */
  subscribed(): boolean;
  close(): Promise<void>;
}

export interface RedisClientsOptions {
  /** @default 5000 */
  connectTimeoutMs: number;
  /** Longest wait between reconnect attempts. @default 2000 */
  maxReconnectDelayMs: number;
  /** Called on every client error and reconnect (metrics hook). */
  onEvent?: (event: "error" | "reconnecting" | "ready", client: "pub" | "sub") => void;
}

const defaults: RedisClientsOptions = { connectTimeoutMs: 5_000, maxReconnectDelayMs: 2_000 };

/** Connects a publisher and a subscriber to a Redis Cluster or a standalone Redis. */
export async function connectRedis(
  config: RedisConfig,
  logger: Logger,
  options: Partial<RedisClientsOptions> = {},
): Promise<RedisClients> {
  const opts = { ...defaults, ...options } satisfies RedisClientsOptions;
  const socket = {
    connectTimeout: opts.connectTimeoutMs,
    reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, opts.maxReconnectDelayMs),
  };
  // The publisher fails fast while disconnected instead of queueing: a send acked `unavailable`
  // must not be stored later, when a queued command would replay. The subscriber keeps its queue:
  // node-redis re-subscribes after a reconnect.
  const pubDefaults = { socket, disableOfflineQueue: true };
  const subDefaults = { socket };
  const pub =
    config.mode === "cluster"
      ? createCluster({ rootNodes: config.urls.map((url) => ({ url })), defaults: pubDefaults })
      : createClient({ url: config.urls[0], ...pubDefaults });
  const sub =
    config.mode === "cluster"
      ? createCluster({ rootNodes: config.urls.map((url) => ({ url })), defaults: subDefaults })
      : createClient({ url: config.urls[0], ...subDefaults });
  for (const [name, client] of [["pub", pub], ["sub", sub]] as const) {
    // node-redis throws an unhandled 'error' event otherwise: a Redis blip must never crash us.
    const emitter = client as unknown as NodeJS.EventEmitter;
    emitter.on("error", (err: Error) => {
      opts.onEvent?.("error", name);
      logger.warn({ err: err.message, client: name }, "redis client error");
    });
    emitter.on("reconnecting", () => opts.onEvent?.("reconnecting", name));
    emitter.on("ready", () => opts.onEvent?.("ready", name));
  }
  await Promise.all([pub.connect(), sub.connect()]);
  logger.info({ mode: config.mode, nodes: config.urls }, "connected to redis");

  return {
    pub: pub as unknown as RedisCommands,
    sub,
    mode: config.mode,
    async ping(timeoutMs) {
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
    async close() {
      await Promise.allSettled([sub.close(), pub.close()]);
    },
  };
}
