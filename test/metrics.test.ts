/** /metrics in Prometheus text format, parsed, after real traffic. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createMetrics } from "../src/observability/metrics.js";
import { call, connectClient, join, nextEvent, sendChat, type ChatClient } from "./support/clients.js";
import { startEmbedded, type EmbeddedServer } from "./support/embedded-server.js";

let srv: EmbeddedServer;
const clients: ChatClient[] = [];

beforeAll(async () => {
  srv = await startEmbedded({ rateBurst: 3, ratePerSec: 1 }, { metrics: createMetrics() });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.close();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A small parser of the text exposition format: enough to check names, labels and values. */
function parse(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.startsWith("# TYPE ")) {
      const [, , name, type] = line.split(" ");
      types.set(name!, type!);
      continue;
    }
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparseable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of m[2]?.match(/[a-zA-Z_]+="(?:[^"\\]|\\.)*"/g) ?? []) {
      const eq = pair.indexOf("=");
      labels[pair.slice(0, eq)] = pair.slice(eq + 2, -1);
    }
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);

it("exposes connections, rooms, joins, received/broadcast/rejected messages, latencies and event-loop lag", async () => {
  const a = await connectClient(srv.url);
  const b = await connectClient(srv.url);
  clients.push(a, b);
  await join(a, "m1");
  await join(b, "m1");
  await join(a, "m2");
  const got = nextEvent(b, "chat:message");
  await sendChat(a, "m1", "hello");
  await got;
  await call(a, "chat:send", { room: "m1", text: "", kind: "chat", clientId: "x" }); // bad_request
  await sendChat(a, "m1", "two");
  await sendChat(a, "m1", "three"); // rate_limited (burst 3 incl. the bad one)

  const res = await fetch(`${srv.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/text\/plain/);
  const { samples, types } = parse(await res.text());
  expect(value(samples, "chat_connections")).toBe(2);
  expect(value(samples, "chat_rooms")).toBe(2);
  expect(value(samples, "chat_joins_total")).toBe(3);
  expect(value(samples, "chat_messages_received_total", { event: "chat:send" })).toBe(4);
  expect(value(samples, "chat_messages_broadcast_total", { event: "chat:send" })).toBe(2);
  expect(value(samples, "chat_messages_rejected_total", { event: "chat:send", code: "bad_request" })).toBe(1);
  expect(value(samples, "chat_messages_rejected_total", { event: "chat:send", code: "rate_limited" })).toBe(1);
  expect(value(samples, "chat_store_latency_seconds_count", { op: "append" })).toBe(2);
  expect(types.get("chat_store_latency_seconds")).toBe("histogram");
  expect(types.get("chat_publish_latency_seconds")).toBe("histogram");
  expect(types.get("chat_redis_errors_total")).toBe("counter");
  expect(types.get("chat_redis_reconnects_total")).toBe("counter");
  expect(samples.some((s) => s.name === "nodejs_eventloop_lag_seconds")).toBe(true);
});
