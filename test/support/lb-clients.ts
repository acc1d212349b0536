/**
 * v1 clients that connect through the load balancer (deploy/haproxy.cfg), as the local HAProxy
 * test and the compose test run it, and the cross-replica chat check both make.
 */
import { io } from "socket.io-client";
import { expect } from "vitest";
import type { HandshakeAuth } from "../../src/protocol/index.js";
import type { LbRequest } from "../harness/load-balancer.js";
import { join, record, sendChat, until, type ChatClient } from "./clients.js";

export type Transport = "websocket" | "polling";

export interface ProbedClient {
  /** In the query string of every request, so the load balancer's log tells which replica served it. */
  probe: string;
  transport: Transport;
  socket: ChatClient;
}

/**
 * Connects through the load balancer at `url`, with `probe` in the query string. withCredentials:
 * socket.io-client keeps cookies in Node only then, and long-polling needs the sticky cookie, as
 * a browser sends it. The socket is pushed onto `opened` before it connects, for the caller's cleanup.
 */
export function connectViaLb(url: string, transport: Transport, probe: string, opened: ChatClient[], auth: HandshakeAuth = {}): Promise<ChatClient> {
  const socket: ChatClient = io(url, { transports: [transport], query: { probe }, auth, withCredentials: true, forceNew: true, reconnection: false, timeout: 5_000 });
  opened.push(socket);
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}

/** Replica slots (chat1, chat2, ...) that served the requests of one probe. */
export function serversOfProbe(requests: LbRequest[], probe: string): Set<string> {
  return new Set(requests.filter((r) => new URL(r.uri, "http://lb").searchParams.get("probe") === probe).map((r) => r.server));
}

/**
 * Every client joins `room` and sends two messages and a fence. Messages of one sender reach a
 * receiver in order, so once every fence has arrived everywhere, any duplicate of an earlier
 * message would have too: each client must then hold exactly the others' messages, never its own
 * (sender exclusion on every replica). Returns the texts in the order each sender's acks came.
 */
export async function expectCrossReplicaChat(clients: ProbedClient[], room: string, describeClient: (c: ProbedClient) => string = (c) => c.probe): Promise<string[]> {
  for (const { socket } of clients) expect(await join(socket, room)).toMatchObject({ ok: true });
  const received = new Map(clients.map(({ probe, socket }) => [probe, record(socket, "chat:message")]));
  const sent: string[] = [];
  for (const { probe, socket } of clients) {
    for (const text of [`${probe} one`, `${probe} two`, `${probe} fence`]) {
      expect(await sendChat(socket, room, text)).toMatchObject({ ok: true });
      sent.push(text);
    }
  }
  for (const { probe } of clients) {
    const seen = received.get(probe)!;
    await until(() => seen.filter((m) => m.text.endsWith(" fence")).length === clients.length - 1, 15_000, `fences at ${probe}`);
  }
  for (const client of clients) {
    const texts = received.get(client.probe)!.map((m) => m.text).sort();
    const expected = sent.filter((t) => !t.startsWith(`${client.probe} `)).sort();
    expect(texts, `messages at ${describeClient(client)}`).toEqual(expected);
  }
  return sent;
}
