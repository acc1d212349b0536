/** Real socket.io-client helpers for tests and load tools: typed by the shared protocol module. */
import { io as connect, type Socket } from "socket.io-client";
import type {
  Ack,
  ClientToServerEvents,
  HandshakeAuth,
  JoinResult,
  SendResult,
  ServerToClientEvents,
} from "../../src/protocol/index.js";

export type ChatClient = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ClientOptions {
  auth?: HandshakeAuth;
  transports?: ("websocket" | "polling")[];
  /** @default false: tests decide when to reconnect */
  reconnection?: boolean;
  /** Source address of the connection (loopback has 127.0.0.0/8; one address has ~28k ports). @default the system's choice */
  localAddress?: string;
}

/** Connects and resolves once connected; rejects with the connect_error. */
export function connectClient(url: string, options: ClientOptions = {}): Promise<ChatClient> {
  const socket: ChatClient = connect(url, {
    auth: options.auth ?? {},
    transports: options.transports ?? ["websocket"],
    reconnection: options.reconnection ?? false,
    forceNew: true,
    timeout: 5_000,
    // Passed through to the WebSocket transport (engine.io-client's types do not list it).
    ...(options.localAddress ? ({ localAddress: options.localAddress } as object) : {}),
  });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** Emits with an ack and a timeout, for events of the protocol or deliberately wrong ones. */
export function call<T = unknown>(socket: ChatClient, event: string, ...args: unknown[]): Promise<T> {
  const s = socket as unknown as { timeout(ms: number): { emitWithAck(ev: string, ...a: unknown[]): Promise<T> } };
  return s.timeout(5_000).emitWithAck(event, ...args);
}

export function join(socket: ChatClient, room: string, since?: string): Promise<Ack<JoinResult>> {
  return call(socket, "room:join", since === undefined ? { room } : { room, since });
}

let seq = 0;
export function uniqueId(prefix = "c"): string {
  return `${prefix}-${process.pid}-${Date.now()}-${++seq}`;
}

export function sendChat(
  socket: ChatClient,
  room: string,
  text: string,
  extra: { kind?: "chat" | "question"; clientId?: string } = {},
): Promise<Ack<SendResult>> {
  return call(socket, "chat:send", { room, text, kind: extra.kind ?? "chat", clientId: extra.clientId ?? uniqueId() });
}

/** Resolves with the next event of that name (and that passes `filter`), or rejects after `ms`. */
export function nextEvent<E extends keyof ServerToClientEvents>(
  socket: ChatClient,
  event: E,
  filter: (payload: Parameters<ServerToClientEvents[E]>[0]) => boolean = () => true,
  ms = 5_000,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener as never);
      reject(new Error(`no ${event} within ${ms} ms`));
    }, ms);
    const listener = (payload: Parameters<ServerToClientEvents[E]>[0]) => {
      if (!filter(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener as never);
      resolve(payload);
    };
    socket.on(event, listener as never);
  });
}

/** Records every payload of an event, for exactly-once and never-to-sender checks. */
export function record<E extends keyof ServerToClientEvents>(
  socket: ChatClient,
  event: E,
): Parameters<ServerToClientEvents[E]>[0][] {
  const seen: Parameters<ServerToClientEvents[E]>[0][] = [];
  socket.on(event, ((p: Parameters<ServerToClientEvents[E]>[0]) => seen.push(p)) as never);
  return seen;
}

/** Resolves once `predicate` holds, polling briefly; for counts that arrive over several events. */
export async function until(predicate: () => boolean, ms = 10_000, what = "condition"): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
