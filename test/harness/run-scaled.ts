/**
 * The scaled chat on this machine, with processes instead of containers: a 6-node Redis Cluster,
 * N replicas on 127.0.0.2.. (one port), the DNS responder and HAProxy with deploy/haproxy.cfg.
 * Ctrl-C stops everything.
 *   npm run scaled -- [--replicas 3] [--port 8080] [--auth-secret <16+ chars>]
 */
import { parseArgs } from "node:util";
import { startDnsResponder } from "./dns-responder.js";
import { findFreePort } from "./free-port.js";
import { startLoadBalancer } from "./load-balancer.js";
import { startRedisCluster } from "./redis-cluster.js";
import { startReplicas, stopReplicas } from "./replica.js";

const { values } = parseArgs({
  options: {
    replicas: { type: "string", default: "3" },
    port: { type: "string", default: "8080" },
    "auth-secret": { type: "string" },
  },
});
const count = Number(values.replicas);
if (!Number.isInteger(count) || count < 1 || count > 20) throw new Error("--replicas: 1 to 20");

const cluster = await startRedisCluster();
console.log(`redis cluster: ${cluster.seeds}`);
const hosts = Array.from({ length: count }, (_, i) => `127.0.0.${i + 2}`);
const servicePort = await findFreePort({ min: 23_000, max: 32_000, hosts });
const env: Record<string, string> = { REDIS_CLUSTER_NODES: cluster.seeds, TRUST_PROXY: "true" };
if (values["auth-secret"]) env.AUTH_SECRET = values["auth-secret"];
const replicas = await startReplicas(count, { hosts, port: servicePort, env });
for (const r of replicas) console.log(`replica ${r.replicaId}: ${r.url} (pid ${r.pid})`);
const dns = await startDnsResponder({ chat: hosts });
const lb = await startLoadBalancer({ dnsServer: dns.address, servicePort, port: Number(values.port), maxReplicas: count + 2 });
await lb.waitForServers(count);
console.log(`load balancer: ${lb.url}  (stats: ${lb.statsUrl})  Ctrl-C stops everything`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await lb.stop();
  await dns.close();
  await stopReplicas(replicas);
  await cluster.stop();
  process.exit(0);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
