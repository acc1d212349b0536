import { createHash } from "node:crypto";

/**
 * The few node-redis commands the stores use, common to a cluster and a standalone client, so a
 * store works with either (and the tests can pass either).
 */
export interface RedisCommands {
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/**
 * Lua: `nowMs()`, the Redis server's clock in ms (`TIME`). Scripts time mutes, bans, leases, held
 * messages and heartbeats by it, so every replica reads the same clock. Prepend to a script's source.
 */
export const LUA_NOW_MS = `
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * A Lua script run with EVALSHA, falling back to EVAL once per node that has not cached it yet
 * (NOSCRIPT). Sending the body with every call would cost ~1 KB of Redis traffic per message.
 */
export class LuaScript {
  readonly sha1: string;

  constructor(readonly source: string) {
    this.sha1 = createHash("sha1").update(source).digest("hex");
  }

  async run(redis: RedisCommands, keys: string[], args: (string | number)[]): Promise<unknown> {
    const options = { keys, arguments: args.map(String) };
    try {
      return await redis.evalSha(this.sha1, options);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
      return redis.eval(this.source, options);
    }
  }
}

/** A connection to one Redis node that takes raw commands (a node-redis client). */
export interface RawCommands {
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * Runs `script` on one node with raw EVALSHA (EVAL once on NOSCRIPT). `beforeSend` is called
 * synchronously right before each command is queued, so the caller knows the position of the
 * command that actually ran on the connection.
 */
export async function runOnNode(
  node: RawCommands,
  script: LuaScript,
  keys: string[],
  args: (string | number)[],
  beforeSend: () => void = () => undefined,
): Promise<unknown> {
  const tail = [String(keys.length), ...keys, ...args.map(String)];
  beforeSend();
  try {
    return await node.sendCommand(["EVALSHA", script.sha1, ...tail]);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
    beforeSend();
    return node.sendCommand(["EVAL", script.source, ...tail]);
  }
}
