/**
 * GET /api/v1/cluster on an embedded server (one process: the registry in memory), over real HTTP:
 * the key, the numbers against the clients this test connects, and the served view against the
 * OpenAPI document's schema.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetrics } from "../observability/metrics.js";
import { ErrorCode, type ClusterView } from "../protocol/index.js";
import { join, nextEvent, sendChat, uniqueId } from "../../test/support/clients.js";
import { startEmbedded, type EmbeddedServer } from "../../test/support/embedded-server.js";
import { useClients } from "../../test/support/use-clients.js";
import { openApiDocument } from "./openapi.js";

const KEY = "ops-page-key-000000001";
let srv: EmbeddedServer;
const client = useClients(() => srv.url);

const get = (key: string | null) => fetch(`${srv.url}/api/v1/cluster`, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });

/** Polls the view until `done` holds (beats come every 100 ms here); fails with the last view. */
async function viewUntil(done: (v: ClusterView) => boolean, ms = 5_000): Promise<ClusterView> {
  const deadline = Date.now() + ms;
  let last: ClusterView | undefined;
  while (Date.now() < deadline) {
    last = (await (await get(KEY)).json()) as ClusterView;
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the view did not get there in ${ms} ms: ${JSON.stringify(last)}`);
}

beforeAll(async () => {
  srv = await startEmbedded(
    { api: { keys: [KEY] }, ops: { beatMs: 100, viewCacheMs: 0, cluster: "embedded-test" } },
    { metrics: createMetrics({ defaultMetrics: false }) },
  );
});
afterAll(async () => {
  await srv.close();
});

describe("GET /api/v1/cluster", () => {
  it("needs the API key, like every /api/v1 route", async () => {
    for (const key of [null, "ops-page-key-000000002"]) {
      const res = await get(key);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(ErrorCode.Unauthorized);
    }
  });

  it("shows this process as the one replica, with the connections, rooms, viewers and traffic of the clients connected", async () => {
    const [hot, side] = [uniqueId("hot"), uniqueId("side")];
    const [a, b, c] = await Promise.all([client(), client(), client()]);
    for (const [socket, rooms] of [[a, [hot, side]], [b, [hot, side]], [c, [hot]]] as const) {
      for (const room of rooms) expect((await join(socket, room)).ok).toBe(true);
    }
    // A beat samples the rooms and the viewers one after the other, as joins land: wait for one that
    // saw every join (CI once caught a beat with 3 viewers in one room and the second room not yet).
    const view = await viewUntil(
      (v) => v.replicas[0]?.connections === 3 && v.replicas[0]?.rooms === 2 && v.topRooms.byViewers[0]?.viewers === 3 && v.topRooms.byViewers[1]?.viewers === 2,
    );
    expect(view).toMatchObject({ cluster: "embedded-test", windowSec: 300 });
    expect(view.replicas).toHaveLength(1);
    expect(view.replicas[0]).toMatchObject({ id: "test", state: "up", connections: 3, rooms: 2, beatMs: 100, slowConsumers: 0 });
    expect(view.replicas[0]!.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(view.replicas[0]!.version).toMatch(/^\d+\.\d+\.\d+ \(node v\d+/);
    expect(view.totals).toMatchObject({ replicasUp: 1, connections: 3, rooms: 2 });
    expect(view.topRooms.byViewers).toEqual([{ room: hot, viewers: 3 }, { room: side, viewers: 2 }]);

    // Messages in `side`: a stores them, b receives them (never a, the sender).
    const delivered = nextEvent(b, "chat:message", (m) => m.text === "m4");
    for (let i = 1; i <= 4; i++) expect((await sendChat(a, side, `m${i}`)).ok).toBe(true);
    await delivered;
    const busy = await viewUntil((v) => v.topRooms.byMessages[0]?.room === side && v.totals.deliveriesPerSec > 0);
    expect(busy.totals.messagesPerSec).toBeGreaterThan(0);
    expect(busy.replicas[0]!.messagesPerSec).toBe(busy.totals.messagesPerSec);

    c.close();
    await viewUntil((v) => v.totals.connections === 2 && v.topRooms.byViewers[0]?.viewers === 2);
  });

  it("serves what the OpenAPI document says (every field, nothing else), without caching", async () => {
    const res = await get(KEY);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const view = await res.json();
    const ajv = new Ajv2020({ strict: false });
    const doc = openApiDocument() as { components: unknown };
    ajv.addSchema({ $id: "api", components: doc.components });
    const valid = ajv.validate({ $ref: "api#/components/schemas/ClusterView" }, view);
    expect(ajv.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The check means something: a field the document does not know fails it.
    expect(ajv.validate({ $ref: "api#/components/schemas/ClusterView" }, { ...(view as object), extra: 1 })).toBe(false);
  });
});
