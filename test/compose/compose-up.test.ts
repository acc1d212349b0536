/**
 * Issue 25: docker-compose.yml run for real, as an operator runs it, on the run's own Docker engine
 * (test/compose/global-setup.ts): `docker-compose up --build --scale chat=3` builds the chat image
 * from the Dockerfile, starts six Redis nodes, creates the cluster in the one-shot redis-init
 * container, and puts HAProxy in front of the replicas, which it finds through Docker's DNS. Then:
 * chat through the load balancer, `--scale chat=5` and back to 2 under chat load, `docker kill`
 * of a Redis master, `docker-compose down -v`.
 *
 * The test talks to 127.0.0.1 only (the load balancer's published ports) and to the engine's
 * socket for docker commands; the containers talk to each other on the compose network.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { mintToken } from "../../src/auth/token.js";
import { ChatViewer } from "../support/chat-viewer.js";
import { nextEvent, uniqueId, until, type ChatClient } from "../support/clients.js";
import { expectInHistoryExactlyOnce } from "../support/fault-traffic.js";
import { connectViaLb, expectCrossReplicaChat, serversOfProbe, type ProbedClient } from "../support/lb-clients.js";
import { SdkSenders } from "../support/sdk-senders.js";
import {
  clusterNodes,
  lbRequests,
  lbServers,
  masterOfRoom,
  newDeployment,
  readStoredHistory,
  saveLogs,
  scaleChat,
  waitForReplicasUp,
  type Deployment,
} from "./deployment.js";
import "./provided-context.js";

let d: Deployment;
const sockets: ChatClient[] = [];
const viewers: ChatViewer[] = [];
const timings: Record<string, number> = {};
let logsFile = "";

/** An SDK client through the load balancer that reconnects by itself, as a page does. */
function sdkViewer(rooms: string[]): Promise<ChatViewer> {
  // Sends retry (same clientId) through a failover or a drain that takes longer than the SDK's default patience.
  return ChatViewer.connect(d.url, rooms, { reconnection: true, retry: { maxAttempts: 100, deadlineMs: 60_000 } }).then((v) => {
    viewers.push(v);
    return v;
  });
}

/** Every acked message reached every viewer (live or recovered) exactly once per live delivery. */
async function expectViewersHaveAll(all: ChatViewer[], acked: Map<string, Map<string, string>>): Promise<void> {
  for (const [i, v] of all.entries()) {
    for (const [room, messages] of acked) {
      if (!v.rooms.includes(room)) continue;
      const ids = [...messages.values()];
      await until(() => ids.every((id) => v.ids.get(room)?.has(id)), 20_000, `viewer ${i} to have every acked message of ${room}`).catch(() => undefined);
      await v.settled();
      expect(ids.filter((id) => !v.ids.get(room)?.has(id)), `viewer ${i} misses acked messages of ${room}`).toEqual([]);
      const live = v.live.get(room) ?? [];
      expect(new Set(live).size, `viewer ${i} got a live message of ${room} twice`).toBe(live.length);
    }
    const notRecovered = v.joins.filter((j) => j.since !== undefined && !j.recovered);
    expect(notRecovered, `viewer ${i} re-joined without recovering`).toEqual([]);
  }
}

beforeAll(async () => {
  d = await newDeployment(inject("docker"));
  const started = Date.now();
  await d.project.mustCompose(["up", "--build", "--detach", "--scale", "chat=3"], 15 * 60_000);
  timings.up = Date.now() - started;
  await waitForReplicasUp(d, 3);
  timings.ready = Date.now() - started;
});

afterAll(async () => {
  for (const s of sockets.splice(0)) s.close();
  for (const v of viewers.splice(0)) v.close();
  if (!d) return;
  // Normally done by the last test already; this is for a run that failed before it.
  if ((await d.project.containers()).length > 0) {
    logsFile = await saveLogs(d).catch((e: Error) => e.message);
    await d.project.compose(["down", "--volumes", "--remove-orphans", "--timeout", "20"]);
  }
  console.log(`compose timings (ms): ${JSON.stringify(timings)}; container logs: ${logsFile}`);
});

describe("docker-compose.yml on a real Docker engine", () => {
  it("builds the chat image and starts: the cluster bootstrapped in redis-init, 3 replicas found by HAProxy through Docker's DNS", async () => {
    const init = await d.project.container("redis-init");
    expect(init).toMatchObject({ running: false, exitCode: 0 });
    expect((await d.project.logs(init.name)).join("\n")).toMatch(/bootstrap: cluster ok: 6 nodes, 1 replica\(s\) per master/);

    const nodes = await clusterNodes(d);
    expect(nodes.filter((n) => n.role === "master" && !n.failing)).toHaveLength(3);
    expect(nodes.map((n) => n.hostname).sort()).toEqual(["redis-1", "redis-2", "redis-3", "redis-4", "redis-5", "redis-6"]);

    const chat = await d.project.containers("chat");
    expect(chat.filter((c) => c.running)).toHaveLength(3);
    const up = (await lbServers(d)).filter((s) => s.status === "UP");
    expect(up.map((s) => s.address?.split(":")[0]).sort()).toEqual(chat.map((c) => c.ip).sort());
    // The image runs the server as the unprivileged `node` user, not root.
    expect((await d.project.exec(chat[0]!.name, ["id", "-u"])).trim()).not.toBe("0");
    // The archive's database is up, and the replicas' DATABASE_URL logs in to it over the compose
    // network with POSTGRES_PASSWORD (run with the image's own `pg` client, as the server would).
    expect(await d.project.container("postgres")).toMatchObject({ running: true });
    const login = "const pg = require('pg'); const c = new pg.Client(process.env.DATABASE_URL); c.connect().then(() => c.query('select current_user, current_database() db')).then((r) => { console.log(JSON.stringify(r.rows[0])); return c.end(); })";
    expect(JSON.parse(await d.project.exec(chat[0]!.name, ["node", "-e", login]))).toEqual({ current_user: "chat", db: "chat" });

    expect((await fetch(`${d.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${d.url}/metrics`)).status).toBe(404); // metrics stay on the compose network
    const page = await fetch(`${d.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<script");
  });

  it("carries WebSocket and long-polling clients across replicas: each gets every other's message once, never its own; history; AUTH_SECRET signs streamer tokens", async () => {
    const probes: ProbedClient[] = [];
    for (let i = 0; i < 3; i++) {
      for (const transport of ["websocket", "polling"] as const) {
        const probe = `${transport}-${i}-${process.pid}`;
        probes.push({ probe, transport, socket: await connectViaLb(d.url, transport, probe, sockets) });
      }
    }
    const requests = await lbRequests(d);
    const serverOf = new Map(probes.map(({ probe }) => [probe, [...serversOfProbe(requests, probe)]]));
    for (const [probe, servers] of serverOf) expect(servers, `replicas that served ${probe}`).toHaveLength(1); // sticky
    expect(new Set([...serverOf.values()].flat()).size, "replicas serving the clients").toBe(3);

    const room = uniqueId("compose");
    const sent = await expectCrossReplicaChat(probes, room, (p) => `${p.probe} (${serverOf.get(p.probe)})`);

    // A late joiner gets the room's history in the join ack, in the order it was stored.
    const late = await connectViaLb(d.url, "polling", `late-${process.pid}`, sockets);
    const streamerToken = await mintToken({ sub: "compose-streamer", name: "Streamer", role: "streamer", rooms: [room] }, d.authSecret);
    const streamer = await connectViaLb(d.url, "websocket", `streamer-${process.pid}`, sockets, { token: streamerToken });
    const history = (await late.timeout(5_000).emitWithAck("room:join", { room })) as { ok: boolean; messages: { id: string; text: string }[] };
    expect(history.ok).toBe(true);
    expect(history.messages.map((m) => m.text).sort()).toEqual([...sent].sort());
    expect(history.messages.map((m) => m.id)).toEqual(history.messages.map((m) => m.id).sort());

    // The replicas got AUTH_SECRET: a streamer token signed with it posts the room's notice, one
    // signed with another secret is refused.
    await streamer.timeout(5_000).emitWithAck("room:join", { room });
    const noticed = nextEvent(probes[0]!.socket, "notice", (n) => n.room === room, 10_000);
    expect(await streamer.timeout(5_000).emitWithAck("notice:send", { room, text: "welcome", clientId: uniqueId("n") })).toMatchObject({ ok: true });
    expect(await noticed).toMatchObject({ room, text: "welcome" });
    const forged = await mintToken({ sub: "forger", name: "Forger", role: "streamer", rooms: [room] }, "not-the-deployment-secret-0123");
    await expect(connectViaLb(d.url, "websocket", `forged-${process.pid}`, sockets, { token: forged })).rejects.toThrow(/unauthorized/);
    for (const s of sockets.splice(0)) s.close(); // the next test counts the load balancer's sessions
  });

  it("scales to 5 replicas under chat load and back to 2: new replicas get clients, drained clients reconnect and recover, nothing acked is lost", async () => {
    const rooms = [uniqueId("scale-a"), uniqueId("scale-b"), uniqueId("scale-c")];
    // 2 messages/s per room: each room stays under HISTORY_SIZE (100), so its whole history is checked.
    const senders = new SdkSenders(await Promise.all(rooms.map(async (room) => ({ room, viewer: await sdkViewer([room]) }))), { pauseMs: 500 }).start();
    const watchers: ChatViewer[] = [];
    for (let i = 0; i < 6; i++) watchers.push(await sdkViewer(rooms));
    await until(() => senders.count >= 15, 20_000, "chat load before scaling");

    let started = Date.now();
    await scaleChat(d, 5);
    await waitForReplicasUp(d, 5);
    timings.scaleUp = Date.now() - started;
    // leastconn: the new replicas, with no connections yet, take the next viewers.
    for (let i = 0; i < 6; i++) watchers.push(await sdkViewer(rooms));
    const before = await lbServers(d);
    const busy = before.filter((s) => s.status === "UP" && s.currentSessions > 0);
    expect(busy.map((s) => s.name), "replicas with clients after scaling to 5").toHaveLength(5);

    const containers = await d.project.containers("chat");
    const disconnected = new Set<ChatViewer>();
    for (const v of [...watchers, ...senders.viewers]) v.socket.on("disconnect", () => disconnected.add(v));
    started = Date.now();
    await scaleChat(d, 2);
    await waitForReplicasUp(d, 2);
    timings.scaleDown = Date.now() - started;
    const kept = new Set((await d.project.containers("chat")).filter((c) => c.running).map((c) => c.ip));
    const removedIps = containers.map((c) => c.ip).filter((ip) => !kept.has(ip));
    expect(removedIps).toHaveLength(3);
    const onRemoved = before.filter((s) => removedIps.includes(s.address?.split(":")[0] ?? "")).reduce((n, s) => n + s.currentSessions, 0);

    // Everyone who was on a removed replica reconnected through the load balancer to a kept one.
    await until(() => [...viewers].every((v) => v.client.state === "connected"), 30_000, "every client connected again");
    const afterDown = senders.count;
    await until(() => senders.count >= afterDown + 10 || senders.finished, 30_000, "sends acked after scaling down");
    await senders.stop();
    expect(onRemoved, "clients on the removed replicas").toBeGreaterThan(0);
    expect(disconnected.size, "clients moved off the removed replicas").toBeGreaterThanOrEqual(onRemoved);
    // Each viewer among them re-joined its rooms where it reconnected, with the last id it had, and recovered.
    const drained = watchers.filter((v) => disconnected.has(v));
    expect(drained.length, "viewers on the removed replicas").toBeGreaterThan(0);
    for (const v of drained) expect(v.joins.filter((j) => j.since !== undefined && j.recovered).length, "recovered re-joins").toBeGreaterThanOrEqual(v.rooms.length);

    await expectViewersHaveAll(watchers, senders.acked);
    for (const room of rooms) expectInHistoryExactlyOnce(await readStoredHistory(d, room), senders.acked.get(room)!);
  });

  it("survives `docker kill` of a Redis master under load: the replica takes over, sends ack again, the node rejoins when started, nothing acked is lost", async () => {
    const room = uniqueId("failover");
    const watchers = [await sdkViewer([room]), await sdkViewer([room]), await sdkViewer([room])];
    const senders = new SdkSenders(
      [
        { room, viewer: await sdkViewer([room]) },
        { room, viewer: await sdkViewer([room]) },
      ],
      { pauseMs: 800 },
    ).start();
    await until(() => senders.count >= 10, 20_000, "traffic before the kill");

    const master = await masterOfRoom(d, room);
    const killedAt = Date.now();
    await d.project.mustDocker(["kill", master.name]);
    const ackedBefore = senders.count;
    await until(() => senders.count >= ackedBefore + 10 || senders.finished, 45_000, "sends acked again after the master's death");
    await senders.stop();
    const firstAck = senders.firstAckAfter(killedAt);
    timings.failoverFirstAck = firstAck ?? -1;
    const promoted = await masterOfRoom(d, room).catch(() => undefined);
    expect(promoted?.name, "a replica took the room's slots over").not.toBe(master.name);
    expect(firstAck, "first ack after the master's death (ms)").toBeLessThan(20_000);

    // The killed node comes back (docker start, as `restart: unless-stopped` does not after a kill)
    // as a replica of the node that replaced it, announcing its name again.
    await d.project.mustDocker(["start", master.name]);
    await waitForRejoin(master.service, master.name);

    await expectViewersHaveAll(watchers, senders.acked);
    expectInHistoryExactlyOnce(await readStoredHistory(d, room), senders.acked.get(room)!);
  });

  it("`docker-compose down -v` removes every container, network and volume of the deployment", async () => {
    for (const s of sockets.splice(0)) s.close();
    for (const v of viewers.splice(0)) v.close();
    logsFile = await saveLogs(d);
    const started = Date.now();
    await d.project.mustCompose(["down", "--volumes", "--remove-orphans", "--timeout", "20"]);
    timings.down = Date.now() - started;
    const label = `label=com.docker.compose.project=${d.project.name}`;
    expect(await d.project.containers()).toEqual([]);
    expect((await d.project.mustDocker(["network", "ls", "-q", "--filter", label])).trim()).toBe("");
    expect((await d.project.mustDocker(["volume", "ls", "-q", "--filter", label])).trim()).toBe("");
  });
});

/** Waits until the node of `service` is a healthy replica again, as the other nodes see it. */
async function waitForRejoin(service: string, container: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  // Redis reports a role change only in its own log: poll CLUSTER NODES, bounded.
  for (;;) {
    const node = (await clusterNodes(d, container).catch(() => [])).find((n) => n.hostname === service);
    if (node && node.role === "replica" && !node.failing && node.linkConnected) return;
    if (Date.now() > deadline) throw new Error(`${service} did not rejoin as a replica: ${JSON.stringify(node)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
