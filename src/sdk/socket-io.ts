/**
 * The default {@link SocketFactory}: a socket.io-client connection, WebSocket only (no
 * long-polling, so no sticky sessions are needed behind a load balancer), reconnecting by itself
 * with socket.io-client's own backoff and jitter.
 */
import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "../protocol/index.js";
import type { ChatSocket, SocketEvents, SocketFactory, SocketFactoryInput } from "./socket.js";

export interface SocketIoOptions {
  /** Reconnect after the connection drops (not after the server or we closed it). @default true */
  reconnection: boolean;
  /** First wait before reconnecting. @default 500 */
  reconnectionDelayMs: number;
  /** Longest wait between reconnection attempts. @default 5000 */
  reconnectionDelayMaxMs: number;
  /** Handshake timeout. @default 10000 */
  connectTimeoutMs: number;
  /** Node only: the local address to connect from (load generators spread over 127.0.0.x). @default undefined */
  localAddress?: string;
}

export const defaultSocketIoOptions: SocketIoOptions = {
  reconnection: true,
  reconnectionDelayMs: 500,
  reconnectionDelayMaxMs: 5_000,
  connectTimeoutMs: 10_000,
};

export type RawSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A socket.io-client socket seen as a {@link ChatSocket}; `raw` is the socket itself. */
export class SocketIoChatSocket implements ChatSocket {
  readonly raw: RawSocket;

  constructor(input: SocketFactoryInput, options: SocketIoOptions) {
    const socketOptions = {
      auth: (cb: (data: object) => void) => cb(input.auth()),
      transports: ["websocket"],
      reconnection: options.reconnection,
      reconnectionDelay: options.reconnectionDelayMs,
      reconnectionDelayMax: options.reconnectionDelayMaxMs,
      timeout: options.connectTimeoutMs,
      autoConnect: false,
      // One client object, one connection: never share a Manager with another client.
      forceNew: true,
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    };
    this.raw = input.url === undefined ? io(socketOptions) : io(input.url, socketOptions);
  }

  get connected(): boolean {
    return this.raw.connected;
  }

  connect(): void {
    this.raw.connect();
  }

  disconnect(): void {
    this.raw.disconnect();
  }

  on<E extends keyof SocketEvents>(event: E, listener: SocketEvents[E]): void {
    if (event === "reconnect_failed") this.raw.io.on("reconnect_failed", listener as () => void);
    // socket.io-client's typed `on` cannot follow a generic event name; SocketEvents keeps it typed.
    else (this.raw as unknown as { on(ev: string, fn: unknown): void }).on(event, listener);
  }

  emit<E extends keyof ClientToServerEvents>(event: E, ...args: Parameters<ClientToServerEvents[E]>): void {
    (this.raw as unknown as { emit(ev: string, ...a: unknown[]): void }).emit(event, ...args);
  }
}

/** A {@link SocketFactory} for socket.io-client connections. */
export function socketIo(options: Partial<SocketIoOptions> = {}): SocketFactory {
  const opts = { ...defaultSocketIoOptions, ...options } satisfies SocketIoOptions;
  return (input) => new SocketIoChatSocket(input, opts);
}
