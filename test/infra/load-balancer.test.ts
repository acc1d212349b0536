/**
 * The real HAProxy with deploy/haproxy.cfg in front of 3 replica processes on the shared Redis
 * Cluster. The replicas listen on one port on 127.0.0.2-4 and are found through DNS, as compose's
 * `chat` containers are; clients connect only to the load balancer.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startDnsResponder, type DnsResponder } from "../harness/dns-responder.js";
import { findFreePort } from "../harness/free-port.js";
import { startLoadBalancer, type LoadBalancer } from "../harness/load-balancer.js";
import { startReplica, startReplicas, stopReplicas, type Replica } from "../harness/replica.js";
import type { ChatClient } from "../support/clients.js";
import { connectViaLb, expectCrossReplicaChat, serversOfProbe, type ProbedClient } from "../support/lb-clients.js";
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
    const probes: ProbedClient[] = [];
    for (let i = 0; i < 3; i++) {
      for (const transport of ["websocket", "polling"] as const) {
        const probe = `${transport}-${i}-${process.pid}`;
        probes.push({ probe, transport, socket: await connectViaLb(lb!.url, transport, probe, clients) });
      }
    }
    for (const { socket, transport } of probes) expect(socket.io.engine.transport.name).toBe(transport);

    // Every request of a client went to one replica (a polling session that moved would have been
    // refused: 400 "Session ID unknown"), and the clients are spread over all three.
    const serverOf = new Map<string, string>();
    for (const { probe } of probes) {
      const servers = serversOfProbe(lb!.requests(), probe);
      expect(servers.size, `requests of ${probe} went to ${[...servers].join(",")}`).toBe(1);
      serverOf.set(probe, [...servers][0]!);
    }
    const pollingServers = new Set(probes.filter((p) => p.transport === "polling").map((p) => serverOf.get(p.probe)));
    const websocketServers = new Set(probes.filter((p) => p.transport === "websocket").map((p) => serverOf.get(p.probe)));
    expect(websocketServers.size).toBe(3); // leastconn: each open WebSocket counts
    expect(pollingServers.size).toBeGreaterThanOrEqual(2);
    expect(new Set(serverOf.values()).size).toBe(3);
    expect((await lb!.servers()).filter((s) => s.status === "UP").map((s) => s.address?.split(":")[0]).sort()).toEqual(HOSTS);

    await expectCrossReplicaChat(probes, `lb-${process.pid}-${Date.now()}`, (p) => `${p.probe} (${serverOf.get(p.probe)})`);
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
