/**
 * Issue 23: the real Prometheus, with deploy/prometheus/'s config and rules, scrapes two replica
 * processes (METRICS_PORT) on the suite's Redis Cluster; what it sums must be the clients this test
 * connected, in total and per replica, its rules must read series that exist, and every query of
 * the Grafana dashboard (deploy/grafana/) must run against it and find data.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse } from "yaml";
import { CHAT_JOB, metricsTarget, startPrometheus, type PromSample, type Prometheus } from "../harness/prometheus.js";
import { startReplicas, stopReplicas, type Replica } from "../harness/replica.js";
import { connectClient, join, nextEvent, sendChat, uniqueId, type ChatClient } from "../support/clients.js";
import { FAST } from "../support/embedded-server.js";

const RULES = fileURLToPath(new URL("../../deploy/prometheus/rules/chat-alerts.yml", import.meta.url));
const DASHBOARD = fileURLToPath(new URL("../../deploy/grafana/dashboards/chat.json", import.meta.url));
const API_KEY = "ops-test-api-key-0001";
const rules = (parse(readFileSync(RULES, "utf8")) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);

let prometheus: Prometheus;
let a: Replica;
let b: Replica;
const clients: ChatClient[] = [];

/** Value per replica (`instance`) of an instant vector. */
const byInstance = (samples: PromSample[]) => Object.fromEntries(samples.map((s) => [s.metric.instance, s.value]));

async function connect(replica: Replica, rooms: string[]): Promise<ChatClient> {
  const client = await connectClient(replica.url);
  clients.push(client);
  for (const room of rooms) expect((await join(client, room)).ok).toBe(true);
  return client;
}

beforeAll(async () => {
  const seeds = inject("redisCluster").seeds;
  // Prometheus starts while the replicas compile; it learns their metrics ports from the target file.
  const [started, replicas] = await Promise.all([
    startPrometheus(),
    startReplicas(2, { env: { REDIS_CLUSTER_NODES: seeds, METRICS_PORT: "0", API_KEYS: API_KEY, ...FAST } }),
  ]);
  prometheus = started;
  [a, b] = replicas as [Replica, Replica];
  prometheus.setTargets([metricsTarget(a), metricsTarget(b)]);
}, 90_000);

afterAll(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all([prometheus?.stop(), stopReplicas([a, b].filter(Boolean))]);
});

describe("Prometheus against two replicas", () => {
  it("discovers both replicas in the chat job and evaluates every alert rule without error", async () => {
    await prometheus.waitForQuery(`up{job="${CHAT_JOB}"} == 1`, (s) => s.length === 2, "both replicas scraped");
    const targets = (await prometheus.targets()).filter((t) => t.job === CHAT_JOB);
    expect(targets.map((t) => t.instance).sort()).toEqual([metricsTarget(a), metricsTarget(b)].sort());

    const loaded = async () => (await prometheus.ruleGroups()).flatMap((g) => g.rules);
    // A rule's health is "unknown" until its first evaluation (every second here).
    for (let i = 0; i < 40 && (await loaded()).some((r) => r.health !== "ok"); i++) await new Promise((r) => setTimeout(r, 250));
    const evaluated = await loaded();
    expect(evaluated.map((r) => r.name).sort()).toEqual(rules.map((r) => r.alert).sort());
    expect(evaluated.filter((r) => r.health !== "ok")).toEqual([]);
  });

  it("sums chat_connections to the clients connected, in total and per replica, and follows them", async () => {
    const [r1, r2, r3] = [uniqueId("ops"), uniqueId("ops"), uniqueId("ops")];
    const onA = await Promise.all([0, 1, 2].map((i) => connect(a, i === 0 ? [r1, r2] : [r1])));
    const onB = await Promise.all([0, 1, 2, 3, 4].map((i) => connect(b, i === 0 ? [r1, r3] : [r1])));
    // Traffic across replicas, so the rates the dashboard and the rules read have samples.
    const delivered = nextEvent(onB[1]!, "chat:message");
    expect((await sendChat(onA[0]!, r1, "hello from A")).ok).toBe(true);
    await delivered;

    // The joins are the last thing each replica saw: once a scrape of each has them all, the same
    // scrapes carry that replica's connections and rooms.
    const joins = { [metricsTarget(a)]: 4, [metricsTarget(b)]: 6 };
    await prometheus.waitForQuery(`chat_joins_total{job="${CHAT_JOB}"}`, (s) => Object.entries(joins).every(([instance, n]) => byInstance(s)[instance] === n), "every join scraped");
    expect(await prometheus.query(`sum(chat_connections{job="${CHAT_JOB}"})`)).toMatchObject([{ value: 8 }]);
    expect(byInstance(await prometheus.query(`chat_connections{job="${CHAT_JOB}"}`))).toEqual({ [metricsTarget(a)]: 3, [metricsTarget(b)]: 5 });
    expect(byInstance(await prometheus.query(`chat_rooms{job="${CHAT_JOB}"}`))).toEqual({ [metricsTarget(a)]: 2, [metricsTarget(b)]: 2 });
    await prometheus.waitForQuery(
      `sum by (instance) (chat_deliveries_total{job="${CHAT_JOB}"})`,
      (s) => (byInstance(s)[metricsTarget(b)] ?? 0) >= 5,
      "B's deliveries of A's message to its 5 clients",
    );

    // Live numbers, not a coincidence: two of B's clients leave.
    for (const c of onB.slice(3)) c.close();
    const after = await prometheus.waitForQuery(`sum(chat_connections{job="${CHAT_JOB}"})`, (s) => s[0]?.value === 6, "6 connections after 2 left");
    expect(after[0]?.value).toBe(6);
    expect(byInstance(await prometheus.query(`chat_connections{job="${CHAT_JOB}"}`))[metricsTarget(b)]).toBe(3);
  });

  it("has a scraped series for every metric an alert rule reads", async () => {
    // A rejected send, so chat_messages_rejected_total has a series (it has no label values up front).
    const client = await connect(a, [uniqueId("ops")]);
    await sendChat(client, "not-joined-room", "x");
    const names = new Set(rules.flatMap((r) => [...r.expr.matchAll(/\b((?:chat|nodejs|process)_[a-z0-9_]+|up)\b/g)].map((m) => m[1]!)));
    expect(names.size).toBeGreaterThan(10);
    const missing: string[] = [];
    for (const name of names) {
      // The archive's too (issue #20): every replica exports them, at 0 without a DATABASE_URL.
      const found = await prometheus
        .waitForQuery(`count({__name__="${name}", job="${CHAT_JOB}"})`, (s) => (s[0]?.value ?? 0) > 0, name, 5_000)
        .then(() => true, () => false);
      if (!found) missing.push(name);
    }
    expect(missing).toEqual([]);
  });

});

interface Target {
  expr: string;
  datasource?: { uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
}
interface Variable {
  name: string;
  type: string;
  query: string | { query: string };
}
const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as { uid: string; title: string; panels: Panel[]; templating: { list: Variable[] } };
const queryPanels = dashboard.panels.filter((p) => p.type !== "row");

/** Grafana's regex escaping of a multi-value variable's values (Prometheus data source). */
const regexEscape = (value: string) => value.replace(/[\\^$*+?.()|[\]{}]/g, "\\\\$&");

/** An expression as Grafana sends it with `replica` = All (both replicas) and a 15 s scrape interval. */
function substitute(expr: string, replicas: string[]): string {
  const out = expr
    .replaceAll("$replica", `(${replicas.map(regexEscape).join("|")})`)
    .replaceAll("$__rate_interval", "1m");
  if (/\$/.test(out)) throw new Error(`a variable the dashboard does not define: ${out}`);
  return out;
}

describe("deploy/grafana's dashboard", () => {
  it("takes its data source and replicas from variables, and has a panel per replica for what operators watch", () => {
    const vars = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]));
    expect(vars.DS_PROMETHEUS).toMatchObject({ type: "datasource", query: "prometheus" });
    expect(vars.replica).toMatchObject({ type: "query", query: { query: `label_values(up{job="${CHAT_JOB}"}, instance)` } });
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    for (const panel of queryPanels) {
      expect(panel.datasource?.uid, panel.title).toBe("${DS_PROMETHEUS}");
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
      for (const target of panel.targets ?? []) {
        expect(target.datasource?.uid, panel.title).toBe("${DS_PROMETHEUS}");
        if (panel.type === "timeseries") expect(target.expr, panel.title).toContain('instance=~"$replica"');
      }
    }
    const exprs = queryPanels.flatMap((p) => p.targets ?? []).map((t) => t.expr).join("\n");
    for (const metric of [
      "chat_connections",
      "chat_rooms",
      "chat_messages_received_total",
      "chat_deliveries_total",
      "chat_store_latency_seconds_bucket",
      "chat_publish_latency_seconds_bucket",
      "chat_replication_wait_seconds_bucket",
      "chat_slow_consumers_total",
      "chat_replication_shortfalls_total",
      "chat_publish_errors_total",
      "chat_redis_errors_total",
      "chat_redis_reconnects_total",
      "nodejs_eventloop_lag_p99_seconds",
      "chat_archive_lag_seconds",
      "chat_archive_backlog",
      "chat_archive_dropped_total",
    ]) {
      expect(exprs, metric).toContain(`${metric}{`);
    }
  });

  it("runs every panel's query against the test Prometheus without error, and each finds data", async () => {
    const api = await fetch(`${a.url}/api/v1/rooms/ops-dashboard/messages?limit=1`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(api.status).toBeLessThan(500);
    // The replica variable's query, as Grafana runs it.
    const replicas = (await prometheus.query(`group by (instance) (up{job="${CHAT_JOB}"})`)).map((s) => s.metric.instance!).sort();
    expect(replicas).toEqual([metricsTarget(a), metricsTarget(b)].sort());
    // Its series is new: a rate over it needs two scrapes.
    await prometheus.waitForQuery(`rate(chat_api_requests_total{job="${CHAT_JOB}"}[1m])`, (s) => s.length > 0, "two scrapes of the API request");

    const failures: string[] = [];
    for (const panel of queryPanels) {
      for (const target of panel.targets ?? []) {
        const expr = substitute(target.expr, replicas);
        const outcome = await prometheus.query(expr).then(
          // The archive's panels too: every replica exports its series, at 0 without a DATABASE_URL.
          (samples) => (samples.length > 0 ? undefined : "no data"),
          (err: Error) => err.message,
        );
        if (outcome) failures.push(`${panel.title}: ${expr}: ${outcome}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe("a replica failing", () => {
  it("marks a killed replica down and puts ChatReplicaDown on it (pending for its `for`)", async () => {
    b.kill("SIGKILL");
    await b.exited;
    await prometheus.waitForQuery(`up{job="${CHAT_JOB}"} == 0`, (s) => s[0]?.metric.instance === metricsTarget(b), "B scraped as down");
    const alerts = await prometheus.waitForQuery(`ALERTS{alertname="ChatReplicaDown"}`, (s) => s.length > 0, "ChatReplicaDown");
    expect(alerts.map((s) => ({ instance: s.metric.instance, state: s.metric.alertstate, severity: s.metric.severity }))).toEqual([
      { instance: metricsTarget(b), state: "pending", severity: "warning" },
    ]);
    expect(await prometheus.query(`sum(up{job="${CHAT_JOB}"})`)).toMatchObject([{ value: 1 }]);
  });
});
