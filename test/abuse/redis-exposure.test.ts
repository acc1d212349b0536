/**
 * Redis exposure (issue #11): nodes had no password, the Redis URL with its password was logged,
 * and storage was unbounded (no maxmemory). The suite's shared cluster is started by the harness
 * the way compose starts it: node.conf plus a password (requirepass, masterauth).
 */
import { execFile, spawn } from "node:child_process";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { killOnExit } from "../harness/exit-cleanup.js";
import { freePort } from "../harness/free-port.js";
import { redisCli, TEST_REDIS_PASSWORD } from "../harness/redis-cli.js";
import { attachRedisCluster } from "../harness/redis-cluster.js";
import { startReplica, type Replica } from "../harness/replica.js";
import { connectClient, join, sendChat, uniqueId } from "../support/clients.js";
import "../support/provided-context.js";

const info = inject("redisCluster");
const cluster = attachRedisCluster(info);
let replica: Replica;
beforeAll(async () => {
  replica = await startReplica({ env: { REDIS_CLUSTER_NODES: info.seeds, REDIS_PASSWORD: info.password, LOG_LEVEL: "debug" } });
});
afterAll(async () => {
  await replica?.stop();
});

/** redis-cli without any password (REDISCLI_AUTH removed from its environment). */
function anonymousCli(port: number, ...args: string[]): Promise<string> {
  const { REDISCLI_AUTH: _drop, ...env } = process.env;
  return new Promise((resolve) => execFile("redis-cli", ["-p", String(port), ...args], { env }, (_err, stdout, stderr) => resolve(stdout + stderr)));
}

it("refuses clients without the password on every node", async () => {
  for (const node of info.nodes) {
    expect(await anonymousCli(node.port, "GET", "x")).toMatch(/NOAUTH/);
  }
});

it("bounds each node's memory with an eviction policy for keys that all expire", async () => {
  for (const node of info.nodes.slice(0, 1)) {
    const policy = await cluster.cli(node.port, "CONFIG", "GET", "maxmemory-policy");
    const max = await cluster.cli(node.port, "CONFIG", "GET", "maxmemory");
    expect(policy).toContain("volatile-lru");
    expect(Number(max.split("\n")[1])).toBeGreaterThan(0);
  }
});

it("runs a replica with REDIS_PASSWORD (seeds and discovered nodes) and never logs the password", async () => {
  const room = uniqueId("auth");
  const c = await connectClient(replica.url);
  try {
    expect((await join(c, room)).ok).toBe(true);
    expect((await sendChat(c, room, "through an authenticated cluster")).ok).toBe(true);
  } finally {
    c.close();
  }
  const logged = replica.output.lines.join("\n");
  expect(logged).toContain("connected to redis");
  expect(logged).not.toContain(info.password);
});

it("does not log the password of a REDIS_URL (standalone Redis)", async () => {
  const port = await freePort();
  const redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass", TEST_REDIS_PASSWORD], { stdio: "ignore" });
  killOnExit(redis);
  let standalone: Replica | undefined;
  try {
    for (const start = Date.now(); (await redisCli(port, ["PING"]).catch(() => "")).trim() !== "PONG"; ) {
      if (Date.now() - start > 10_000) throw new Error("redis did not start");
      await new Promise((r) => setTimeout(r, 50));
    }
    standalone = await startReplica({ env: { REDIS_URL: `redis://default:${TEST_REDIS_PASSWORD}@127.0.0.1:${port}` } });
    const logged = standalone.output.lines.join("\n");
    expect(logged).toContain("connected to redis");
    expect(logged).toContain("***@127.0.0.1");
    expect(logged).not.toContain(TEST_REDIS_PASSWORD);
  } finally {
    await standalone?.stop();
    redis.kill("SIGKILL");
  }
});
