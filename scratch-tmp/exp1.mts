import { startRedisCluster } from "/work/main/test/harness/redis-cluster.js";
import { createCluster } from "redis";
const c = await startRedisCluster();
try {
  const seeds = c.seeds.split(",").map((s) => ({ url: `redis://${s}` }));
  const pub = createCluster({ rootNodes: seeds });
  const sub = createCluster({ rootNodes: seeds });
  await pub.connect(); await sub.connect();
  const ch = "socket.io#/#room1#";
  const got: string[] = [];
  await sub.sSubscribe(ch, (m) => got.push(m));
  const key = `chat:{${ch}}:h`;
  const node = await pub.getNodeClientForKey(key);
  const t0 = performance.now();
  const r = await node.eval(`redis.call('XADD', KEYS[1], '*', 'm', ARGV[2]); return redis.call('SPUBLISH', ARGV[1], ARGV[2])`, { keys: [key], arguments: [ch, "hello"] });
  console.log("eval spublish ->", r, (performance.now()-t0).toFixed(2), "ms");
  const w0 = performance.now();
  const w = await node.sendCommand(["WAIT", "1", "500"]);
  console.log("WAIT ->", w, (performance.now()-w0).toFixed(2), "ms");
  // many WAITs timing
  const t1 = performance.now();
  for (let i = 0; i < 200; i++) { await node.eval(`return redis.call('XADD', KEYS[1], '*', 'm', 'x')`, { keys: [key], arguments: [] }); await node.sendCommand(["WAIT","1","500"]); }
  console.log("200 x (eval+WAIT) sequential:", ((performance.now()-t1)/200).toFixed(3), "ms each");
  const t2 = performance.now();
  for (let i = 0; i < 200; i++) { await node.eval(`return redis.call('XADD', KEYS[1], '*', 'm', 'x')`, { keys: [key], arguments: [] }); }
  console.log("200 x eval sequential:", ((performance.now()-t2)/200).toFixed(3), "ms each");
  // mismatched slot channel
  try { await node.eval(`return redis.call('SPUBLISH', ARGV[1], 'x')`, { keys: [key], arguments: ["other#chan"] }); console.log("mismatch: allowed?!"); } catch (e) { console.log("mismatch error:", (e as Error).message); }
  await new Promise((r) => setTimeout(r, 200));
  console.log("received:", got);
  const shards = await pub.sendCommand(undefined, true, ["CLUSTER", "SHARDS"]);
  console.log(JSON.stringify(shards).slice(0, 600));
  await pub.close(); await sub.close();
} finally { await c.stop(); }
