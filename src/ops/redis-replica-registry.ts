import type { RedisCommands } from "../redis/lua-script.js";
import { withDeadline } from "../util/with-deadline.js";
import { BEAT, LEAVE, LIST } from "./replica-registry-lua.js";
import { byAge, type ReplicaBeat, type ReplicaRegistry, type StoredBeat } from "./replica-registry.js";

export interface RedisReplicaRegistryOptions {
  /** Names the cluster: replicas with the same name on one Redis share one registry. @default "chat" */
  cluster: string;
  /** @default "chat" */
  keyPrefix: string;
  /** @default 2000 */
  commandTimeoutMs: number;
}

export const defaultRedisReplicaRegistryOptions: RedisReplicaRegistryOptions = { cluster: "chat", keyPrefix: "chat", commandTimeoutMs: 2_000 };

/**
 * Every replica's beat in one hash on one slot (`chat:{ops:<cluster>}:replicas`): a beat is one
 * script call on that slot's master, and the whole cluster is one read. That master takes one
 * small write per replica per beat (2 s): 50 replicas are 25 calls of about 3 KB a second.
 */
export class RedisReplicaRegistry implements ReplicaRegistry {
  private readonly opts: RedisReplicaRegistryOptions;
  private readonly keys: string[];

  constructor(
    private readonly redis: RedisCommands,
    options: Partial<RedisReplicaRegistryOptions> = {},
  ) {
    this.opts = { ...defaultRedisReplicaRegistryOptions, ...options } satisfies RedisReplicaRegistryOptions;
    const hash = `${this.opts.keyPrefix}:{ops:${this.opts.cluster}}:replicas`;
    this.keys = [hash, `${hash}:expiry`];
  }

  async beat(beat: ReplicaBeat, ttlMs: number): Promise<void> {
    await this.deadline(BEAT.run(this.redis, this.keys, [beat.id, ttlMs, JSON.stringify(beat)]));
  }

  async leave(replicaId: string): Promise<void> {
    await this.deadline(LEAVE.run(this.redis, this.keys, [replicaId]));
  }

  async list(): Promise<StoredBeat[]> {
    const [now, ...values] = (await this.deadline(LIST.run(this.redis, this.keys, []))) as [number, ...string[]];
    const out: StoredBeat[] = [];
    for (const value of values) {
      const colon = value.indexOf(":");
      try {
        out.push({ beat: JSON.parse(value.slice(colon + 1)) as ReplicaBeat, ageMs: Math.max(0, Number(now) - Number(value.slice(0, colon))) });
      } catch {
        // Not a beat this version wrote: leave it out rather than fail the whole view.
      }
    }
    return out.sort(byAge);
  }

  private deadline<T>(promise: Promise<T>): Promise<T> {
    return withDeadline(promise, this.opts.commandTimeoutMs, () => new Error("replica registry command timed out"));
  }

  async close(): Promise<void> {
    // The Redis client belongs to the runtime.
  }
}
