/** The SDK's side of issue #20: room.loadOlder() on a fake socket, and the replay helper on a fake fetch. */
import { describe, expect, it } from "vitest";
import { ErrorCode, type RoomEntry } from "../protocol/index.js";
import { ChatError } from "./chat-error.js";
import { replayRoom, type ReplayFetch } from "./replay.js";
import { harness, message } from "./testing/harness.js";

async function joinedRoom(ids: string[], snapshotSize = 100) {
  const h = harness({ ackTimeoutMs: 1000 });
  const room = h.client.room("r", { snapshotSize });
  void room.join();
  h.socket.open();
  await h.answerJoin(ids);
  return { ...h, room };
}

describe("room.loadOlder", () => {
  it("asks for the page before the oldest message shown and merges it below, without duplicates", async () => {
    const { room, next, storage } = await joinedRoom(["0010", "0011", "0012"], 3);
    const older = room.loadOlder(3);
    const req = await next("room:history");
    expect(req.payload).toEqual({ room: "r", before: "0010", limit: 3 });
    // The server's page may overlap what is shown (a message that arrived live meanwhile): shown once.
    req.ack({ ok: true, messages: ["0007", "0008", "0010"].map((id) => message("r", id)), hasMore: true });
    expect(await older).toEqual({ messages: [message("r", "0007"), message("r", "0008")], hasMore: true });
    // The snapshot grew by the page (its size of 3 does not cut what the reader scrolled to).
    expect(room.messages.map((m) => m.id)).toEqual(["0007", "0008", "0010", "0011", "0012"]);
    const again = room.loadOlder(3);
    const second = await next("room:history");
    expect(second.payload).toEqual({ room: "r", before: "0007", limit: 3 });
    second.ack({ ok: true, messages: [message("r", "0005")], hasMore: false });
    expect(await again).toEqual({ messages: [message("r", "0005")], hasMore: false });
    expect(room.messages[0]!.id).toBe("0005");
    // What is kept for the next page load is the newest snapshotSize, not every page read.
    room.persist();
    expect(storage.loadRoom("r")!.messages.map((m) => m.id)).toEqual(["0010", "0011", "0012"]);
  });

  it("asks once while a page is on its way; an empty room asks without before", async () => {
    const { room, socket, next } = await joinedRoom([]);
    const a = room.loadOlder();
    const b = room.loadOlder();
    const req = await next("room:history");
    expect(req.payload).toEqual({ room: "r", limit: 50 });
    req.ack({ ok: true, messages: [], hasMore: false });
    expect(await a).toEqual({ messages: [], hasMore: false });
    expect(await b).toEqual({ messages: [], hasMore: false });
    expect(socket.all("room:history")).toHaveLength(1);
  });

  it("rejects with the server's error (bad_request is not retried)", async () => {
    const { room, socket, next } = await joinedRoom(["0001"]);
    const older = room.loadOlder(500);
    (await next("room:history")).ack({ ok: false, error: { code: ErrorCode.BadRequest, message: "limit must be a whole number from 1 to 100" } });
    await expect(older).rejects.toMatchObject({ code: ErrorCode.BadRequest });
    expect(socket.all("room:history")).toHaveLength(1);
  });
});

const entry = (id: string, kind: RoomEntry["kind"] = "chat"): RoomEntry => ({ id, room: "r", kind, text: `t${id}`, user: { id: "u", name: "U", role: "viewer" }, ts: Number(id) });

/** A fake fetch answering each URL's range with these chunks of bytes. */
function fakeFetch(answer: (url: URL) => { status?: number; chunks?: string[]; body?: string }): { fetch: ReplayFetch; urls: URL[]; headers: Record<string, string>[] } {
  const urls: URL[] = [];
  const headers: Record<string, string>[] = [];
  const fetch: ReplayFetch = async (url, init) => {
    const u = new URL(url);
    urls.push(u);
    headers.push(init.headers);
    const a = answer(u);
    const status = a.status ?? 200;
    const bytes = (a.chunks ?? []).map((c) => new TextEncoder().encode(c));
    return {
      ok: status < 300,
      status,
      text: async () => a.body ?? "",
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          for (const b of bytes) controller.enqueue(b);
          controller.close();
        },
      }),
    };
  };
  return { fetch, urls, headers };
}

describe("replayRoom", () => {
  it("yields the NDJSON lines in order across chunks that split lines, with the headers given", async () => {
    const lines = [entry("1"), entry("2", "notice"), entry("3")].map((e) => JSON.stringify(e)).join("\n") + "\n";
    const f = fakeFetch(() => ({ chunks: [lines.slice(0, 10), lines.slice(10, 95), lines.slice(95)] }));
    const got: RoomEntry[] = [];
    for await (const e of replayRoom({ baseUrl: "http://chat.test/api/v1/", room: "r", from: 0, to: 10, headers: { Authorization: "Bearer k" }, fetch: f.fetch })) got.push(e);
    expect(got).toEqual([entry("1"), entry("2", "notice"), entry("3")]);
    expect(f.urls[0]!.pathname).toBe("/api/v1/rooms/r/replay");
    expect(Object.fromEntries(f.urls[0]!.searchParams)).toEqual({ from: "0", to: "10" });
    expect(f.headers[0]).toEqual({ Authorization: "Bearer k" });
  });

  it("splits a range over 24 h into 24 h requests, in order", async () => {
    const day = 24 * 3_600_000;
    const f = fakeFetch((u) => ({ chunks: [`${JSON.stringify(entry(u.searchParams.get("from")!))}\n`] }));
    const got: string[] = [];
    for await (const e of replayRoom({ baseUrl: "http://chat.test/api/v1", room: "r", from: 1000, to: 1000 + 2 * day + 5, fetch: f.fetch })) got.push(e.id);
    expect(f.urls.map((u) => [Number(u.searchParams.get("from")), Number(u.searchParams.get("to"))])).toEqual([
      [1000, 1000 + day],
      [1000 + day, 1000 + 2 * day],
      [1000 + 2 * day, 1000 + 2 * day + 5],
    ]);
    expect(got).toEqual([String(1000), String(1000 + day), String(1000 + 2 * day)]);
  });

  it("rejects with the server's error, and when the body is cut mid-line", async () => {
    const refused = fakeFetch(() => ({ status: 400, body: JSON.stringify({ error: { code: "bad_request", message: "a replay covers at most 24 h per request" } }) }));
    const it1 = replayRoom({ baseUrl: "http://x/api/v1", room: "r", from: 0, to: 1, fetch: refused.fetch });
    await expect(it1.next()).rejects.toMatchObject({ code: ErrorCode.BadRequest, message: "a replay covers at most 24 h per request" });
    const cut = fakeFetch(() => ({ chunks: [`${JSON.stringify(entry("1"))}\n{"id":"2","ro`] }));
    const it2 = replayRoom({ baseUrl: "http://x/api/v1", room: "r", from: 0, to: 1, fetch: cut.fetch });
    expect((await it2.next()).value).toEqual(entry("1"));
    const err = await it2.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChatError);
    expect((err as ChatError).local).toBe("disconnected");
  });
});
