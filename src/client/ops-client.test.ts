/** The /ops page's parts without a DOM: the request's outcomes, the history it keeps, the charts' arithmetic. */
import { describe, expect, it } from "vitest";
import type { ClusterView, ReplicaView } from "../protocol/index.js";
import { niceMax, polylinePoints, shortNumber, spanLabel, timeSpan } from "./chart-geometry.js";
import { fetchClusterView } from "./ops-fetch.js";
import { ClusterHistory } from "./ops-history.js";

function replica(id: string, over: Partial<ReplicaView> = {}): ReplicaView {
  return {
    id,
    address: `${id}:3000`,
    startedAt: 0,
    version: "v",
    beatMs: 2_000,
    connections: 1,
    rooms: 1,
    messagesPerSec: 0,
    deliveriesPerSec: 0,
    slowConsumers: 0,
    shortfalls: { refused: 0, degraded: 0 },
    eventLoopLagMs: { p99: 0, max: 0 },
    state: "up",
    ageMs: 0,
    ...over,
  };
}

function view(replicas: ReplicaView[], connections = 0): ClusterView {
  return {
    cluster: "c",
    at: 0,
    windowSec: 300,
    replicas,
    totals: { replicasUp: replicas.length, connections, rooms: 0, messagesPerSec: 0, deliveriesPerSec: 0, slowConsumers: 1, shortfalls: { refused: 1, degraded: 2 } },
    topRooms: { byViewers: [], byMessages: [] },
  };
}

const reply = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (async () => new Response(JSON.stringify(body), { status, headers })) as unknown as typeof fetch;

describe("fetchClusterView", () => {
  it("sends the key and returns the view", async () => {
    let sent: Headers | undefined;
    const ok = view([replica("a")]);
    const fetchFn = (async (_url: string, init: RequestInit) => ((sent = new Headers(init.headers)), new Response(JSON.stringify(ok)))) as unknown as typeof fetch;
    expect(await fetchClusterView("k-1", fetchFn)).toEqual({ ok: true, view: ok });
    expect(sent?.get("authorization")).toBe("Bearer k-1");
  });

  it("says what went wrong: a wrong key, the API off, a rate limit, an outage, no network", async () => {
    expect(await fetchClusterView("k", reply(401, { error: { code: "unauthorized", message: "missing or wrong API key" } }))).toMatchObject({ ok: false, kind: "key", message: expect.stringContaining("refused this API key") });
    expect(await fetchClusterView("k", reply(404, { error: { code: "not_found", message: "the HTTP API is off on this server (no API_KEYS configured)" } }))).toMatchObject({
      ok: false,
      kind: "off",
      message: expect.stringContaining("no API_KEYS configured"),
    });
    expect(await fetchClusterView("k", reply(429, { error: { code: "rate_limited", message: "slow down", retryAfterMs: 1500 } }))).toMatchObject({ ok: false, kind: "retry", retryAfterMs: 1500 });
    expect(await fetchClusterView("k", reply(503, { error: { code: "unavailable", message: "store down" } }, { "retry-after": "2" }))).toMatchObject({
      ok: false,
      kind: "retry",
      retryAfterMs: 2000,
      message: expect.stringContaining("HTTP 503: store down"),
    });
    expect(await fetchClusterView("k", (async () => new Response("<html>", { status: 502 })) as unknown as typeof fetch)).toMatchObject({ ok: false, kind: "retry", message: expect.stringContaining("HTTP 502") });
    expect(await fetchClusterView("k", (() => Promise.reject(new TypeError("failed"))) as unknown as typeof fetch)).toMatchObject({ ok: false, kind: "retry", message: expect.stringContaining("Cannot reach") });
  });
});

describe("ClusterHistory", () => {
  it("keeps the totals for the window only, and each replica's connections while it is up", () => {
    const h = new ClusterHistory({ windowMs: 10_000 });
    h.add(view([replica("a", { connections: 3 })], 3), 1_000);
    h.add(view([replica("a", { connections: 4 }), replica("b", { connections: 2 })], 6), 5_000);
    h.add(view([replica("a", { connections: 4 }), replica("b", { state: "late", ageMs: 4_500 })], 4), 12_000);
    expect(h.total("connections")).toEqual([{ t: 5_000, v: 6 }, { t: 12_000, v: 4 }]);
    expect(h.total("shortfalls").at(-1)).toEqual({ t: 12_000, v: 3 });
    expect(h.connectionsByReplica()).toEqual([
      { name: "a", points: [{ t: 5_000, v: 4 }, { t: 12_000, v: 4 }] },
      { name: "b", points: [{ t: 5_000, v: 2 }] },
    ]);
  });

  it("remembers a replica that left the view as gone, with its last beat, for goneForMs", () => {
    const h = new ClusterHistory({ goneForMs: 60_000 });
    h.add(view([replica("a"), replica("b")]), 1_000);
    h.add(view([replica("a"), replica("b", { state: "late", ageMs: 5_000 })]), 6_000);
    expect(h.gone()).toEqual([]);
    h.add(view([replica("a")]), 8_000);
    expect(h.gone()).toEqual([{ replica: replica("b", { state: "late", ageMs: 5_000 }), lastBeatAt: 1_000 }]);
    h.add(view([replica("a")]), 60_000);
    expect(h.gone().map((g) => g.replica.id)).toEqual(["b"]);
    h.add(view([replica("a")]), 61_001);
    expect(h.gone()).toEqual([]);
    // Back: no longer gone.
    h.add(view([replica("a")]), 70_000);
    h.add(view([replica("a"), replica("b")]), 72_000);
    expect(h.gone()).toEqual([]);
  });
});

describe("chart arithmetic", () => {
  it("rounds the axis up to 1, 2, 2.5 or 5 times a power of ten", () => {
    expect([0, 0.4, 1, 1.2, 3, 7, 19, 21, 240, 251, 999, 1001].map(niceMax)).toEqual([1, 1, 1, 2, 5, 10, 20, 25, 250, 500, 1000, 2000]);
  });

  it("places points by time and value, and leaves out what is outside the window", () => {
    const plot = { left: 10, top: 0, width: 100, height: 50, from: 1_000, to: 2_000, yMax: 10 };
    expect(polylinePoints([{ t: 500, v: 1 }, { t: 1_000, v: 0 }, { t: 1_500, v: 5 }, { t: 2_000, v: 20 }], plot)).toBe("10,50 60,25 110,0");
  });

  it("shows time from the first poll, at least a minute and at most five", () => {
    expect(timeSpan(undefined, 1_000_000, 60_000, 300_000)).toEqual({ from: 940_000, to: 1_000_000 });
    expect(timeSpan(990_000, 1_000_000, 60_000, 300_000)).toEqual({ from: 940_000, to: 1_000_000 });
    expect(timeSpan(880_000, 1_000_000, 60_000, 300_000)).toEqual({ from: 880_000, to: 1_000_000 });
    expect(timeSpan(100_000, 1_000_000, 60_000, 300_000)).toEqual({ from: 700_000, to: 1_000_000 });
    expect([60_000, 119_000, 120_000, 300_000].map(spanLabel)).toEqual(["−60 s", "−119 s", "−2 min", "−5 min"]);
  });

  it("writes numbers short", () => {
    expect([0, 2.25, 9.96, 12.4, 950, 9_540, 12_400, 1_250_000, -3].map(shortNumber)).toEqual(["0", "2.3", "10", "12", "950", "9.5k", "12k", "1.3M", "-3"]);
  });
});
