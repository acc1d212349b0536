/**
 * The scaled chat on this machine, with processes instead of containers: a 6-node Redis Cluster,
 * a private PostgreSQL for the archive (its own initdb and port, removed on exit; the replicas get
 * its DATABASE_URL), N replicas on 127.0.0.2.. (one port), the DNS responder and HAProxy with deploy/haproxy.cfg;
 * with --monitoring also Prometheus with deploy/prometheus/ (config and alert rules), scraping each
 * replica's METRICS_PORT as compose's does. Ctrl-C stops everything.
 *   npm run scaled -- [--replicas 3] [--port 8080] [--auth-secret <16+ chars>] [--monitoring [--prometheus-port 9090]]
 */
import { parseArgs } from "node:util";
import { startDnsResponder } from "./dns-responder.js";
import { findFreePort } from "./free-port.js";
import { startLoadBalancer } from "./load-balancer.js";
import { startPostgres } from "./postgres-server.js";
import { CHAT_JOB, metricsTarget, startPrometheus, type Prometheus } from "./prometheus.js";
import { startRedisCluster } from "./redis-cluster.js";
import { startReplicas, stopReplicas } from "./replica.js";

const { values } = parseArgs({
  options: {
    replicas: { type: "string", default: "3" },
    port: { type: "string", default: "8080" },
    "auth-secret": { type: "string" },
    monitoring: { type: "boolean", default: false },
    /** 0: a free one. */
    "prometheus-port": { type: "string", default: "9090" },
  },
});
const count = Number(values.replicas);
if (!Number.isInteger(count) || count < 1 || count > 20) throw new Error("--replicas: 1 to 20");

const cluster = await startRedisCluster();
console.log(`redis cluster: ${cluster.seeds}`);
// The archive, as compose's postgres service: a fresh database each run (fsync on: it is the archive).
const postgres = await startPostgres({ settings: { fsync: "on", full_page_writes: "on" } });
const databaseUrl = await postgres.createDatabase("chat");
console.log(`postgresql (archive): ${databaseUrl}  (data in ${postgres.dataDir}, removed on exit)`);
const hosts = Array.from({ length: count }, (_, i) => `127.0.0.${i + 2}`);
const servicePort = await findFreePort({ min: 23_000, max: 32_000, hosts });
const env: Record<string, string> = { REDIS_CLUSTER_NODES: cluster.seeds, DATABASE_URL: databaseUrl, TRUST_PROXY: "true" };
if (values["auth-secret"]) env.AUTH_SECRET = values["auth-secret"];
// /metrics on a port of its own, one port on every replica address, as compose's METRICS_PORT 9100.
if (values.monitoring) env.METRICS_PORT = String(await findFreePort({ min: 23_000, max: 32_000, hosts, exclude: new Set([servicePort]) }));
const replicas = await startReplicas(count, { hosts, port: servicePort, env });
for (const r of replicas) console.log(`replica ${r.replicaId}: ${r.url} (pid ${r.pid})`);
const dns = await startDnsResponder({ chat: hosts });
const lb = await startLoadBalancer({ dnsServer: dns.address, servicePort, port: Number(values.port), maxReplicas: count + 2 });
await lb.waitForServers(count);
console.log(`load balancer: ${lb.url}  (stats: ${lb.statsUrl})`);
let prometheus: Prometheus | undefined;
if (values.monitoring) {
  prometheus = await startPrometheus({ targets: replicas.map(metricsTarget), port: Number(values["prometheus-port"]), intervalSec: 5 });
  await prometheus.waitForQuery(`up{job="${CHAT_JOB}"} == 1`, (s) => s.length === count, `${count} replicas scraped`);
  console.log(`prometheus: ${prometheus.url}  (targets: ${prometheus.url}/targets, alerts: ${prometheus.url}/alerts)`);
  console.log(`  scraping ${replicas.map(metricsTarget).join(", ")} every 5 s`);
  const groups = await prometheus.ruleGroups();
  console.log(`  alert rules loaded from ${[...new Set(groups.map((g) => g.file))].join(", ")}:`);
  for (const group of groups) console.log(`    ${group.name}: ${group.rules.map((r) => r.name).join(", ")}`);
  console.log(`  try: ${prometheus.url}/graph?g0.expr=${encodeURIComponent(`sum by (instance) (chat_connections{job="${CHAT_JOB}"})`)}`);
  console.log("  dashboard: import deploy/grafana/dashboards/chat.json into Grafana with this Prometheus as its data source");
}
console.log("Ctrl-C stops everything");

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await prometheus?.stop();
  await lb.stop();
  await dns.close();
  await stopReplicas(replicas);
  await postgres.close();
  await cluster.stop();
  process.exit(0);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
