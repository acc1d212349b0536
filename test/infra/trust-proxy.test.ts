/**
 * TRUST_PROXY behind the real HAProxy (deploy/haproxy.cfg, `option forwardfor`): the server must
 * take the address HAProxy itself saw, the right-most X-Forwarded-For entry, not one the client
 * wrote. The review bypassed a per-IP connection limit of 5 twelve times out of twelve by rotating
 * the header when the left-most entry was used; this test fails that way on the old code.
 */
import { io } from "socket.io-client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startDnsResponder, type DnsResponder } from "../harness/dns-responder.js";
import { findFreePort } from "../harness/free-port.js";
import { startLoadBalancer, type LoadBalancer } from "../harness/load-balancer.js";
import { startReplicas, stopReplicas, type Replica } from "../harness/replica.js";
import type { ChatClient } from "../support/clients.js";

const HOST = "127.0.0.6";
const LIMIT = 5;
let replicas: Replica[] = [];
let dns: DnsResponder | undefined;
let lb: LoadBalancer | undefined;
const clients: ChatClient[] = [];

beforeAll(async () => {
  const servicePort = await findFreePort({ min: 23_000, max: 32_000, hosts: [HOST] });
  // Embedded mode is enough: the limit is per replica, and /readyz is up without Redis.
  replicas = await startReplicas(1, { hosts: [HOST], port: servicePort, env: { TRUST_PROXY: "true", MAX_CONNECTIONS_PER_IP: String(LIMIT) } });
  dns = await startDnsResponder({ chat: [HOST] });
  lb = await startLoadBalancer({ dnsServer: dns.address, servicePort });
  await lb.waitForServers(1);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await lb?.stop();
  await dns?.close();
  await stopReplicas(replicas);
});

/** Resolves true when connected, false when refused. */
function tryConnect(forwardedFor: string): Promise<boolean> {
  const socket: ChatClient = io(lb!.url, {
    transports: ["websocket"],
    extraHeaders: { "X-Forwarded-For": forwardedFor },
    forceNew: true,
    reconnection: false,
    timeout: 5_000,
  });
  clients.push(socket);
  return new Promise((resolve) => {
    socket.once("connect", () => resolve(true));
    socket.once("connect_error", () => resolve(false));
  });
}

it("counts connections under the address HAProxy saw, whatever X-Forwarded-For the client sends", async () => {
  const outcomes: boolean[] = [];
  for (let i = 0; i < LIMIT + 3; i++) outcomes.push(await tryConnect(`10.9.${i}.${i + 1}`));
  expect(outcomes).toEqual([...Array<boolean>(LIMIT).fill(true), false, false, false]);
});
