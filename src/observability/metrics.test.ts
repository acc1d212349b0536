/** What the alert rules and the dashboard (deploy/) need from the registry, without a server. */
import { expect, it } from "vitest";
import { createMetrics } from "./metrics.js";

async function samples(text: Promise<string>): Promise<Map<string, number>> {
  const values = new Map<string, number>();
  for (const line of (await text).split("\n")) {
    const m = /^(\S+) (\S+)$/.exec(line);
    if (m && !line.startsWith("#")) values.set(m[1]!, Number(m[2]));
  }
  return values;
}

it("exports every failure counter at 0 for each label value before the first failure", async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  const values = await samples(metrics.registry.metrics());
  for (const series of [
    'chat_publish_errors_total{path="adapter"}',
    'chat_publish_errors_total{path="entries"}',
    'chat_replication_shortfalls_total{outcome="refused"}',
    'chat_replication_shortfalls_total{outcome="degraded"}',
    'chat_redis_errors_total{client="writer"}',
    'chat_redis_reconnects_total{client="sub"}',
    "chat_slow_consumers_total",
  ]) {
    expect(values.get(series), series).toBe(0);
  }
  metrics.publishErrors.inc({ path: "entries" });
  expect((await samples(metrics.registry.metrics())).get('chat_publish_errors_total{path="entries"}')).toBe(1);
});

it("registers prom-client's event-loop lag percentiles and process metrics by default", async () => {
  const names = (await createMetrics().registry.getMetricsAsJSON()).map((m) => m.name);
  expect(names).toEqual(
    expect.arrayContaining(["nodejs_eventloop_lag_p99_seconds", "nodejs_eventloop_lag_seconds", "process_start_time_seconds", "process_open_fds", "process_max_fds"]),
  );
});
