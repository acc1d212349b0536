/**
 * The retention lease in Redis (Redis mode): `SET key owner NX PX ttl`, so of N replicas whose
 * hourly timers fire, the first to take it prunes and the others skip until it expires. No
 * renewal and no release: a run is short next to the hour it holds the lease for, and if the
 * holder dies the next hour's timers take it again. The key has no hash tag to share: one slot.
 */
import { LuaScript, type RedisCommands } from "../redis/lua-script.js";
import type { RetentionLease } from "./retention.js";

/** Where the lease lives (per cluster name, so two deployments on one Redis prune each their own archive). */
export const retentionLeaseKey = (cluster: string) => `chat:archive-retention:${cluster}`;

const TAKE = new LuaScript(`return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0`);

export function redisRetentionLease(redis: RedisCommands, options: { key: string; owner: string }): RetentionLease {
  return {
    async take(ttlMs) {
      return Number(await TAKE.run(redis, [options.key], [options.owner, Math.round(ttlMs)])) === 1;
    },
  };
}
