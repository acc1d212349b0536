/**
 * The permission matrix (issue #21): every privileged socket event x the room's streamer, an
 * appointed moderator, a moderator named by the token's `mod` claim, a viewer and another room's
 * streamer, checked against the one table (src/moderation/permissions.ts): allowed where the table
 * says, `forbidden` everywhere else. And rights end at the token's `exp`, on an open connection too.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintToken } from "../src/auth/token.js";
import { PERMISSIONS, type RoomAction } from "../src/moderation/permissions.js";
import { ErrorCode, type ClientToServerEvents, type Role } from "../src/protocol/index.js";
import { call, join, sendChat, uniqueId, type ChatClient } from "./support/clients.js";
import { TEST_SECRET, startEmbedded, type EmbeddedServer } from "./support/embedded-server.js";
import { ClientPool, useClients } from "./support/use-clients.js";

let srv: EmbeddedServer;
const client = useClients(() => srv.url);

beforeAll(async () => {
  srv = await startEmbedded({ ratePerSec: 1_000, rateBurst: 1_000, abuse: { perIpPerSec: 1_000_000, perUserPerSec: 1_000_000 } });
});
afterAll(async () => {
  await srv.close();
});

/** Every privileged event, the action it takes, and a payload that is valid whoever sends it. */
const EVENTS: { event: keyof ClientToServerEvents; action: RoomAction; payload: (room: string) => object }[] = [
  { event: "notice:send", action: "notice", payload: (room) => ({ room, text: "pinned", clientId: uniqueId() }) },
  { event: "mod:add", action: "appoint", payload: (room) => ({ room, userId: "someone-else" }) },
  { event: "mod:remove", action: "appoint", payload: (room) => ({ room, userId: "someone-else" }) },
  { event: "mod:list", action: "moderators", payload: (room) => ({ room }) },
  { event: "chat:delete", action: "delete", payload: (room) => ({ room, id: "00000000000001-0000000000" }) },
  { event: "user:mute", action: "mute", payload: (room) => ({ room, userId: "target", durationSec: 60 }) },
  { event: "user:ban", action: "ban", payload: (room) => ({ room, userId: "target", durationSec: 60 }) },
  { event: "user:unban", action: "unban", payload: (room) => ({ room, userId: "target" }) },
  { event: "chat:clear", action: "clear", payload: (room) => ({ room }) },
  { event: "room:configure", action: "configure", payload: (room) => ({ room, slowModeSec: 0, uniqueChat: false }) },
  { event: "terms:list", action: "terms", payload: (room) => ({ room }) },
  { event: "terms:add", action: "terms", payload: (room) => ({ room, term: "matrix", action: "hold", match: "word" }) },
  { event: "terms:remove", action: "terms", payload: (room) => ({ room, term: "matrix" }) },
  { event: "queue:list", action: "queue", payload: (room) => ({ room }) },
  { event: "held:approve", action: "queue", payload: (room) => ({ room, id: "h999999" }) },
  { event: "held:deny", action: "queue", payload: (room) => ({ room, id: "h999999" }) },
  { event: "report:dismiss", action: "queue", payload: (room) => ({ room, id: "00000000000001-0000000000" }) },
  { event: "log:list", action: "log", payload: (room) => ({ room }) },
];

type Who = "streamer" | "appointed moderator" | "token moderator" | "viewer" | "other room's streamer";
const ROLE_IN_ROOM: Record<Who, Role> = {
  streamer: "streamer",
  "appointed moderator": "moderator",
  "token moderator": "moderator",
  viewer: "viewer",
  "other room's streamer": "viewer",
};

describe("permission matrix", () => {
  const room = uniqueId("matrix");
  const people = {} as Record<Who, ChatClient>;
  // The same people for every case of the matrix: closed after the last.
  const pool = new ClientPool();
  const person = (auth: object) => pool.connect(srv, auth);
  afterAll(() => pool.closeAll());

  beforeAll(async () => {
    const token = (sub: string, extra: object) => mintToken({ sub, name: sub, role: "viewer", ...extra }, TEST_SECRET);
    people.streamer = await person({ token: await token("owner", { role: "streamer", rooms: [room] }) });
    people["appointed moderator"] = await person({ token: await token("appointed", {}) });
    people["token moderator"] = await person({ token: await token("claimed", { mod: [room] }) });
    people.viewer = await person({ token: await token("plain", {}) });
    people["other room's streamer"] = await person({ token: await token("elsewhere", { role: "streamer", rooms: ["another-room"] }) });
    expect(await call(people.streamer, "mod:add", { room, userId: "appointed", name: "Appointed" })).toEqual({ ok: true, added: true });
    for (const who of Object.keys(people) as Who[]) {
      expect(await join(people[who], room)).toMatchObject({ ok: true, role: ROLE_IN_ROOM[who] });
    }
  });

  for (const { event, action, payload } of EVENTS) {
    it(`${event} (${action}): allowed for ${PERMISSIONS[action].join(" and ")}, forbidden for everyone else`, async () => {
      for (const who of Object.keys(ROLE_IN_ROOM) as Who[]) {
        const allowed = PERMISSIONS[action].includes(ROLE_IN_ROOM[who]);
        const res = await call<{ ok: boolean; error?: { code: string } }>(people[who], event, payload(room));
        if (allowed) expect(res, `${who} may ${event}`).toMatchObject({ ok: true });
        else expect(res, `${who} may not ${event}`).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
      }
    });
  }

  it("anyone in the room may chat, reply and report; a moderator's message says moderator", async () => {
    const parent = await sendChat(people.viewer, room, "first!");
    if (!parent.ok) throw new Error(JSON.stringify(parent));
    for (const who of Object.keys(ROLE_IN_ROOM) as Who[]) {
      expect(await call(people[who], "chat:send", { room, text: `reply from ${who}`, kind: "chat", clientId: uniqueId(), replyTo: parent.id }), who).toMatchObject({ ok: true });
    }
    const history = await join(people.viewer, room);
    const replies = history.ok ? history.messages.filter((m) => m.replyTo?.id === parent.id) : [];
    expect(replies.map((m) => m.user.role)).toEqual(["streamer", "moderator", "moderator", "viewer", "viewer"]);
    expect(replies[0]!.replyTo).toEqual({ id: parent.id, user: { id: "plain", name: "plain", role: "viewer" }, excerpt: "first!" });
    expect(await call(people["other room's streamer"], "chat:report", { room, id: parent.id, reason: "spam" })).toEqual({ ok: true, reported: true });
  });

  it("a moderator may not mute or ban another moderator; the streamer may, and may not be banned from the room", async () => {
    const refused = { ok: false, error: { code: ErrorCode.Forbidden } };
    expect(await call(people["token moderator"], "user:ban", { room, userId: "appointed" })).toMatchObject(refused);
    expect(await call(people["token moderator"], "user:mute", { room, userId: "appointed", durationSec: 60 })).toMatchObject(refused);
    expect(await call(people["appointed moderator"], "user:ban", { room, userId: "owner", durationSec: 60 })).toMatchObject({ ok: true });
    expect(await join(people.streamer, room)).toMatchObject({ ok: true, role: "streamer" });
    expect(await call(people.streamer, "user:unban", { room, userId: "owner" })).toMatchObject({ ok: true, lifted: true });
  });
});

it("a moderator's rights end with the token's exp, on the connection it has open; removal ends an appointment at once", async () => {
  const room = uniqueId("expiring-mod");
  const owner = await client({ token: await mintToken({ sub: "owner2", name: "Owner", role: "streamer", rooms: [room] }, TEST_SECRET) });
  const brief = await client({ token: await mintToken({ sub: "brief-mod", name: "Brief", role: "viewer", mod: [room], ttlSec: 2 }, TEST_SECRET) });
  const appointed = await client({ token: await mintToken({ sub: "appointed2", name: "Appointed", role: "viewer" }, TEST_SECRET) });
  await call(owner, "mod:add", { room, userId: "appointed2" });
  for (const c of [owner, brief, appointed]) await join(c, room);
  expect(await call(brief, "room:configure", { room, slowModeSec: 5 })).toMatchObject({ ok: true });
  expect(await call(appointed, "room:configure", { room, slowModeSec: 0 })).toMatchObject({ ok: true });
  const roleChange = new Promise((resolve) => appointed.once("room:role", resolve));
  expect(await call(owner, "mod:remove", { room, userId: "appointed2" })).toEqual({ ok: true, removed: true });
  expect(await roleChange).toEqual({ room, role: "viewer" });
  expect(await call(appointed, "room:configure", { room, slowModeSec: 5 })).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
  await new Promise((r) => setTimeout(r, 3_100));
  expect(await call(brief, "room:configure", { room, slowModeSec: 5 })).toMatchObject({
    ok: false,
    error: { code: ErrorCode.Forbidden, message: expect.stringContaining("expired") },
  });
});
