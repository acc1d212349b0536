/**
 * A {@link ChatSocket} for unit tests, played by the test as the server: it records requests
 * (answer them with `ack`), delivers server events, and connects or drops on command.
 */
import type { Ack, ClientToServerEvents, HandshakeAuth } from "../../protocol/index.js";
import type { ChatSocket, SocketEvents, SocketFactory, SocketFactoryInput } from "../socket.js";

export interface FakeRequest<E extends keyof ClientToServerEvents = keyof ClientToServerEvents> {
  event: E;
  payload: Parameters<ClientToServerEvents[E]>[0];
  /** Answers it as the server would. */
  ack(res: Ack<object> | Record<string, unknown>): void;
  answered: boolean;
  /** The connection it went out on dropped before an answer: it can no longer be answered. */
  lost: boolean;
}

export class FakeSocket implements ChatSocket {
  connected = false;
  /** The handshake auth of each connection attempt. */
  readonly handshakes: HandshakeAuth[] = [];
  readonly requests: FakeRequest[] = [];
  private readonly listeners = new Map<string, Set<(...args: unknown[]) => void>>();

  constructor(private readonly input: SocketFactoryInput) {}

  get url(): string | undefined {
    return this.input.url;
  }

  connect(): void {
    this.handshakes.push(this.input.auth());
  }

  disconnect(): void {
    if (!this.connected) return;
    this.connected = false;
    this.fire("disconnect", "io client disconnect");
  }

  on<E extends keyof SocketEvents>(event: E, listener: SocketEvents[E]): void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (...args: unknown[]) => void);
  }

  emit<E extends keyof ClientToServerEvents>(event: E, ...args: Parameters<ClientToServerEvents[E]>): void {
    if (!this.connected) throw new Error(`emit(${event}) while disconnected: socket.io-client would buffer it`);
    const [payload, ack] = args as unknown as [FakeRequest["payload"], (res: unknown) => void];
    const req: FakeRequest = {
      event,
      payload,
      answered: false,
      lost: false,
      ack: (res) => {
        req.answered = true;
        ack(res);
      },
    };
    this.requests.push(req);
  }

  // --- the test's side: the server ---------------------------------------------------------------

  /** Completes the handshake. */
  open(): void {
    this.connected = true;
    this.fire("connect");
  }

  /** Drops the connection (by default as a network failure would). */
  drop(reason = "transport close"): void {
    this.connected = false;
    for (const req of this.requests) if (!req.answered) req.lost = true;
    this.fire("disconnect", reason);
  }

  refuse(message: string): void {
    this.fire("connect_error", { message });
  }

  /** Delivers a server event. */
  deliver<E extends keyof SocketEvents>(event: E, ...args: Parameters<SocketEvents[E]>): void {
    this.fire(event, ...args);
  }

  /** Requests of one event not answered yet (nor lost), oldest first. */
  unanswered<E extends keyof ClientToServerEvents>(event: E): FakeRequest<E>[] {
    return this.requests.filter((r) => r.event === event && !r.answered && !r.lost) as FakeRequest<E>[];
  }

  /** Every request of one event, answered or not. */
  all<E extends keyof ClientToServerEvents>(event: E): FakeRequest<E>[] {
    return this.requests.filter((r) => r.event === event) as FakeRequest<E>[];
  }

  private fire(event: string, ...args: unknown[]): void {
    for (const fn of [...(this.listeners.get(event) ?? [])]) fn(...args);
  }
}

/** A factory that records the sockets it makes. */
export function fakeSockets(): { factory: SocketFactory; sockets: FakeSocket[] } {
  const sockets: FakeSocket[] = [];
  return {
    sockets,
    factory: (input) => {
      const socket = new FakeSocket(input);
      sockets.push(socket);
      return socket;
    },
  };
}
