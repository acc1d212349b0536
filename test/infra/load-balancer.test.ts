/**
 * The real HAProxy with deploy/haproxy.cfg in front of 3 replica processes on the shared Redis
 * Cluster. The replicas listen on one port on 127.0.0.2-4 and are found through DNS, as compose's
 * `chat` containers are; clients connect only to the load balancer.
 */
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startDnsResponder, type DnsResponder } from "../harness/dns-responder.js";
import { findFreePort } from "../harness/free-port.js";
import { startLoadBalancer, type LoadBalancer } from "../harness/load-balancer.js";
import { startReplica, startReplicas, stopReplicas, type Replica } from "../harness/replica.js";
import { join, record, sendChat, until, type ChatClient } from "../support/clients.js";
import "../support/provided-context.js";

const HOSTS = ["127.0.0.2", "127.0.0.3", "127.0.0.4"];
const SCALED_HOST = "127.0.0.5";

let servicePort: number;
let replicas: Replica[] = [];
let dns: DnsResponder | undefined;
let lb: LoadBalancer | undefined;
const clients: ChatClient[] = [];

function replicaEnv(): Record<string, string> {
  return { REDIS_CLUSTER_NODES: inject("redisCluster").seeds, TRUST_PROXY: "true", SHUTDOWN_TIMEOUT_MS: "2000" };
}

/**
 * Connects through the load balancer. `probe` goes into the query string, so HAProxy's request log
 * tells which replica served each of this client's requests. withCredentials: socket.io-client
 * keeps cookies in Node only then, and long-polling needs the sticky cookie, as a browser sends it.
 */
function connectViaLb(transport: "websocket" | "polling", probe: string): Promise<ChatClient> {
  const socket: ChatClient = io(lb!.url, {
    transports: [transport],
    query: { probe },
    withCredentials: true,
    forceNew: true,
    reconnection: false,
    timeout: 5_000,
  });
  clients.push(socket);
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}

/** Replica slots (chat1, chat2, ...) that served the requests of one probe. */
function serversOf(probe: string): Set<string> {
  return new Set(
    lb!.requests()
      .filter((r) => new URL(r.uri, "http://lb").searchParams.get("probe") === probe)
      .map((r) => r.server),
  );
}

beforeAll(async () => {
  // One port free on every address a replica will bind, including the one added by scaling.
  servicePort = await findFreePort({ min: 23_000, max: 32_000, hosts: [...HOSTS, SCALED_HOST] });
  replicas = await startReplicas(HOSTS.length, { hosts: HOSTS, port: servicePort, env: replicaEnv() });
  dns = await startDnsResponder({ chat: HOSTS });
  lb = await startLoadBalancer({ dnsServer: dns.address, servicePort });
  await lb.waitForServers(HOSTS.length);
});

afterAll(async () => {
  for (const socket of clients) socket.close();
  await lb?.stop();
  await dns?.close();
  await stopReplicas(replicas);
});

describe("load balancer (deploy/haproxy.cfg) in front of replicas on the Redis Cluster", () => {
  it("spreads websocket and polling clients over the replicas, keeps polling sessions sticky, and they chat across replicas exactly once", async () => {
    const probes: { probe: string; socket: ChatClient; transport: "websocket" | "polling" }[] = [];
    for (let i = 0; i < 3; i++) {
      for (const transport of ["websocket", "polling"] as const) {
        const probe = `${transport}-${i}-${process.pid}`;
        probes.push({ probe, transport, socket: await connectViaLb(transport, probe) });
      }
    }
    for (const { socket, transport } of probes) expect(socket.io.engine.transport.name).toBe(transport);

    // Every request of a client went to one replica (a polling session that moved would have been
    // refused: 400 "Session ID unknown"), and the clients are spread over all three.
    const serverOf = new Map<string, string>();
    for (const { probe } of probes) {
      const servers = serversOf(probe);
      expect(servers.size, `requests of ${probe} went to ${[...servers].join(",")}`).toBe(1);
      serverOf.set(probe, [...servers][0]!);
    }
    const pollingServers = new Set(probes.filter((p) => p.transport === "polling").map((p) => serverOf.get(p.probe)));
    const websocketServers = new Set(probes.filter((p) => p.transport === "websocket").map((p) => serverOf.get(p.probe)));
    expect(websocketServers.size).toBe(3); // leastconn: each open WebSocket counts
    expect(pollingServers.size).toBeGreaterThanOrEqual(2);
    expect(new Set(serverOf.values()).size).toBe(3);
    expect((await lb!.servers()).filter((s) => s.status === "UP").map((s) => s.address?.split(":")[0]).sort()).toEqual(HOSTS);

    const room = `lb-${process.pid}-${Date.now()}`;
    for (const { socket } of probes) expect(await join(socket, room)).toMatchObject({ ok: true });
    const received = new Map(probes.map(({ probe, socket }) => [probe, record(socket, "chat:message")]));

    // Two messages each, then a fence: messages of one sender reach a receiver in order, so once
    // every fence has arrived everywhere, any duplicate of an earlier message would have too.
    for (const { probe, socket } of probes) {
      for (const text of [`${probe} one`, `${probe} two`, `${probe} fence`]) {
        expect(await sendChat(socket, room, text)).toMatchObject({ ok: true });
      }
    }
    for (const { probe } of probes) {
      const seen = received.get(probe)!;
      await until(() => seen.filter((m) => m.text.endsWith(" fence")).length === probes.length - 1, 15_000, `fences at ${probe}`);
    }

    for (const { probe } of probes) {
      const texts = received.get(probe)!.map((m) => m.text).sort();
      const expected = probes
        .filter((p) => p.probe !== probe)
        .flatMap((p) => [`${p.probe} one`, `${p.probe} two`, `${p.probe} fence`])
        .sort();
      expect(texts, `messages at ${probe} (${serverOf.get(probe)})`).toEqual(expected);
    }
  });

  it("picks up a replica that appears in DNS (docker compose --scale), stops routing to it while it drains, and frees its slot when it leaves DNS", async () => {
    // A drain long enough to see HAProxy take the replica out while it still runs.
    const env = { ...replicaEnv(), DRAIN_DELAY_MS: "5000", SHUTDOWN_TIMEOUT_MS: "12000" };
    const scaled = await startReplica({ host: SCALED_HOST, port: servicePort, env });
    replicas.push(scaled);
    let exited = false;
    void scaled.exited.then(() => (exited = true));
    dns!.setRecords("chat", [...HOSTS, SCALED_HOST]);
    const up = await lb!.waitForServers(HOSTS.length + 1);
    expect(up.map((s) => s.address?.split(":")[0]).sort()).toEqual([...HOSTS, SCALED_HOST]);

    // SIGTERM: /readyz answers 503 at once, so the slot leaves rotation before the process exits.
    scaled.kill("SIGTERM");
    const draining = await lb!.waitForServers(HOSTS.length);
    expect(draining.map((s) => s.address?.split(":")[0]).sort()).toEqual(HOSTS);
    expect(exited).toBe(false);
    expect(await scaled.exited).toEqual({ code: 0, signal: null });

    // Gone from DNS (the container was removed): the slot gives up the address.
    dns!.setRecords("chat", HOSTS);
    await lb!.waitUntilServers(
      (servers) => !servers.some((s) => s.address?.startsWith(`${SCALED_HOST}:`)),
      `${SCALED_HOST} to leave its slot`,
    );
  });
});
