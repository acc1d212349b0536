/** How every Redis store calls Redis: within a deadline, any failure as {@link StoreUnavailableError}. */
import type { LuaScript, RedisCommands } from "../../redis/lua-script.js";
import { withDeadline } from "../../util/with-deadline.js";
import { StoreUnavailableError } from "../message-store.js";

/** `promise` within `timeoutMs`; a timeout or any failure rejects as unavailable (nothing is known to have happened). */
export function storeDeadline<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  return withDeadline(promise, timeoutMs, () => new StoreUnavailableError(`redis did not answer within ${timeoutMs} ms`)).catch((err: unknown) => {
    throw err instanceof StoreUnavailableError ? err : new StoreUnavailableError("redis command failed", { cause: err });
  });
}

/** Runs a script on the node that owns `keys[0]`, within `timeoutMs`. */
export function storeCall(redis: RedisCommands, script: LuaScript, keys: string[], args: (string | number)[], timeoutMs: number): Promise<unknown> {
  return storeDeadline(script.run(redis, keys, args), timeoutMs);
}
