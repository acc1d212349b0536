/**
 * Through the real HAProxy (deploy/haproxy.cfg), in front of one replica with TRUST_PROXY=true
 * (issue #11): the per-IP limit used the left-most X-Forwarded-For entry, which the client writes
 * (rotating it bypassed a limit of 5 12 times out of 12); and /metrics was public through the
 * load balancer.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startDnsResponder, type DnsResponder } from "../harness/dns-responder.js";
import { findFreePort } from "../harness/free-port.js";
import { startLoadBalancer, type LoadBalancer } from "../harness/load-balancer.js";
import { startReplica, type Replica } from "../harness/replica.js";
import { RawSocketIo } from "../support/raw-socket-io.js";

const HOST = "127.0.0.2";
const LIMIT = 5;
let replica: Replica | undefined;
let dns: DnsResponder | undefined;
let lb: LoadBalancer | undefined;
let metricsPort = 0;
const opened: RawSocketIo[] = [];

beforeAll(async () => {
  const port = await findFreePort({ min: 23_000, max: 32_000, hosts: [HOST] });
  // Embedded mode: the proxy path is what is tested, not Redis.
  replica = await startReplica({ host: HOST, port, env: { TRUST_PROXY: "true", MAX_CONNECTIONS_PER_IP: String(LIMIT), METRICS_PORT: "0" } });
  metricsPort = Number(replica.logRecords().find((r) => r.msg === "chat server listening")?.metricsPort);
  dns = await startDnsResponder({ chat: [HOST] });
  lb = await startLoadBalancer({ dnsServer: dns.address, servicePort: port });
  await lb.waitForServers(1);
});

afterAll(async () => {
  for (const c of opened) c.close();
  await lb?.stop();
  await dns?.close();
  await replica?.stop();
});

it("counts a client under the address HAProxy saw, whatever X-Forwarded-For it sends", async () => {
  let admitted = 0;
  for (let i = 0; i < 12; i++) {
    const spoofed = `203.0.113.${i + 1}, 198.51.100.${i + 1}`;
    const client = await RawSocketIo.connect(lb!.url, { headers: { "X-Forwarded-For": spoofed } }).catch((e: Error) => void console.log("refused", e.message));
    if (client) {
      opened.push(client);
      admitted++;
    }
  }
  console.log(`12 connections with rotating X-Forwarded-For through HAProxy: ${admitted} admitted (limit ${LIMIT} per IP)`);
  expect(admitted).toBe(LIMIT);
  for (const c of opened.splice(0)) c.close();
});

it("does not serve /metrics through the load balancer; the replica's METRICS_PORT does", async () => {
  for (const path of ["/metrics", "/METRICS", "/metrics/", "//metrics", "/metrics?x=1"]) {
    expect((await fetch(`${lb!.url}${path}`)).status, path).toBe(404);
  }
  expect((await fetch(`${lb!.url}/healthz`)).status).toBe(200);
  expect(metricsPort).toBeGreaterThan(0);
  const direct = await fetch(`http://${HOST}:${metricsPort}/metrics`);
  expect(direct.status).toBe(200);
  expect(await direct.text()).toContain("chat_connections");
  // And not on the chat port either, once it has its own.
  expect((await fetch(`${replica!.url}/metrics`)).status).toBe(404);
});
