import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintToken } from "../src/auth/token.js";
import type { ChatMessage, Notice } from "../src/protocol/index.js";
import { call, join, nextEvent, record, sendChat, uniqueId } from "./support/clients.js";
import { TEST_SECRET, startEmbedded, type EmbeddedServer } from "./support/embedded-server.js";
import { useClients } from "./support/use-clients.js";

let srv: EmbeddedServer;
const client = useClients(() => srv.url);

beforeAll(async () => {
  srv = await startEmbedded();
});
afterAll(async () => {
  await srv.close();
});

describe("rooms and broadcast on one node", () => {
  it("keeps no per-socket default room in the adapter", async () => {
    const a = await client();
    const b = await client();
    await join(a, "lobby");
    const adapter = srv.server.io.of("/").adapter;
    for (const c of [a, b]) {
      expect(c.id).toBeTruthy();
      expect(adapter.rooms.has(c.id!)).toBe(false);
      expect(adapter.sids.has(c.id!)).toBe(true); // still known as a connected socket
    }
    expect([...(adapter.socketRooms(a.id!) ?? [])]).toEqual(["lobby"]);
  });

  it("delivers a chat message to everyone else in the room, never to the sender", async () => {
    const room = uniqueId("r");
    const [alice, bob, carol] = await Promise.all([client({ name: "alice" }), client({ name: "bob" }), client()]);
    for (const c of [alice, bob, carol]) expect((await join(c, room)).ok).toBe(true);
    const aliceGot = record(alice, "chat:message");
    const bobNext = nextEvent(bob, "chat:message");
    const carolNext = nextEvent(carol, "chat:message");
    const ack = await sendChat(alice, room, "hello <b>all</b>", { kind: "question" });
    expect(ack.ok).toBe(true);
    const [atBob, atCarol] = await Promise.all([bobNext, carolNext]);
    for (const m of [atBob, atCarol] as ChatMessage[]) {
      expect(m).toMatchObject({ room, kind: "question", text: "hello <b>all</b>", user: { name: "alice", role: "viewer" } });
      expect(m.id).toBe(ack.ok && ack.id);
      expect(typeof m.ts).toBe("number");
    }
    // Barrier: bob's reply reaches alice after anything of alice's own would have.
    const aliceNext = nextEvent(alice, "chat:message");
    await sendChat(bob, room, "hi alice");
    expect((await aliceNext).text).toBe("hi alice");
    expect(aliceGot.map((m) => m.text)).toEqual(["hi alice"]);
  });

  it("keeps rooms apart on one connection with several rooms", async () => {
    const [r1, r2] = [uniqueId("r"), uniqueId("r")];
    const multi = await client();
    const only1 = await client();
    await join(multi, r1);
    await join(multi, r2);
    await join(only1, r1);
    const only1Got = record(only1, "chat:message");
    const sender = await client();
    await join(sender, r2);
    await join(sender, r1);
    const inR2 = nextEvent(multi, "chat:message", (m) => m.room === r2);
    await sendChat(sender, r2, "to r2");
    expect((await inR2).text).toBe("to r2");
    const inR1 = nextEvent(only1, "chat:message");
    await sendChat(sender, r1, "to r1");
    expect((await inR1).text).toBe("to r1");
    expect(only1Got.map((m) => m.room)).toEqual([r1]);
  });

  it("sends a streamer's notice to the room but not to the streamer, and pins it for joiners", async () => {
    const room = uniqueId("r");
    const token = await mintToken({ sub: "s1", name: "Streamer", role: "streamer", rooms: [room] }, TEST_SECRET);
    const streamer = await client({ token });
    const viewer = await client();
    await join(streamer, room);
    await join(viewer, room);
    const streamerGot = record(streamer, "notice");
    const atViewer = nextEvent(viewer, "notice");
    const ack = await call<{ ok: boolean; id: string }>(streamer, "notice:send", { room, text: "giveaway at 8", clientId: uniqueId() });
    expect(ack.ok).toBe(true);
    const notice = (await atViewer) as Notice;
    expect(notice).toMatchObject({ id: ack.id, room, text: "giveaway at 8", user: { id: "s1", role: "streamer" } });
    const late = await client();
    const joined = await join(late, room);
    expect(joined.ok && joined.notice).toMatchObject({ id: ack.id, text: "giveaway at 8" });
    const streamerNext = nextEvent(streamer, "chat:message");
    await sendChat(viewer, room, "barrier");
    await streamerNext;
    expect(streamerGot).toEqual([]);
  });

  it("acks a join with history, the notice and the viewer count", async () => {
    const room = uniqueId("r");
    const a = await client();
    await join(a, room);
    const ids: string[] = [];
    for (const text of ["one", "two", "three"]) {
      const ack = await sendChat(a, room, text);
      if (ack.ok) ids.push(ack.id);
    }
    expect([...ids].sort()).toEqual(ids);
    const b = await client();
    const res = await join(b, room);
    expect(res).toMatchObject({ ok: true, room, recovered: false, notice: null, viewers: 2 });
    expect(res.ok && res.messages.map((m) => m.text)).toEqual(["one", "two", "three"]);
    const resumed = await join(b, room, ids[0]);
    expect(resumed.ok && resumed.recovered).toBe(true);
    expect(resumed.ok && resumed.messages.map((m) => m.id)).toEqual(ids.slice(1));
  });

  it("announces viewer counts as people join and leave", async () => {
    // Listen before acting: an announcement may share the network write of the ack before it.
    const room = uniqueId("r");
    const a = await client();
    const one = nextEvent(a, "room:viewers", (v) => v.room === room && v.count === 1);
    await join(a, room);
    await one;
    const b = await client();
    const two = nextEvent(a, "room:viewers", (v) => v.count === 2);
    await join(b, room);
    await two;
    const oneAgain = nextEvent(a, "room:viewers", (v) => v.count === 1);
    expect(await call(b, "room:leave", { room })).toEqual({ ok: true });
    await oneAgain;
  });

  it("does not deliver to a socket after it left the room", async () => {
    const [room, other] = [uniqueId("r"), uniqueId("r")];
    const [a, b] = await Promise.all([client(), client()]);
    for (const s of [a, b]) {
      await join(s, room);
      await join(s, other);
    }
    await call(b, "room:leave", { room });
    const bGot = record(b, "chat:message");
    await sendChat(a, room, "after leave");
    // Barrier: a message a sends later to a room b is still in.
    const atB = nextEvent(b, "chat:message", (m) => m.room === other);
    await sendChat(a, other, "barrier");
    await atB;
    expect(bGot.map((m) => m.text)).toEqual(["barrier"]);
  });
});

describe("viewer counts for a newcomer", () => {
  it("tells a socket that joins the room's total even when the total did not change", async () => {
    const room = uniqueId("r");
    const stay = await client();
    const bob = await client();
    const two = nextEvent(stay, "room:viewers", (v) => v.room === room && v.count === 2);
    await join(stay, room);
    await join(bob, room);
    await two;
    // Bob reloads: leaves and comes back on a new socket; the total goes 2 -> 1 -> 2 between ticks.
    bob.close();
    const bobAgain = await client();
    const told = nextEvent(bobAgain, "room:viewers", (v) => v.room === room);
    await join(bobAgain, room);
    expect((await told).count).toBe(2);
  });
});
