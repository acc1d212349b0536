/**
 * The part of a Socket.IO client socket the SDK uses, so unit tests run it on a fake socket with
 * no server, and so nothing in the SDK's public types depends on socket.io-client's.
 */
import type { ClientToServerEvents, HandshakeAuth, ServerToClientEvents } from "../protocol/index.js";

/** What the connection tells the SDK, besides the protocol's own events. */
export interface SocketEvents extends ServerToClientEvents {
  connect: () => void;
  /** socket.io-client's reasons, e.g. "io server disconnect" (it will not reconnect by itself). */
  disconnect: (reason: string) => void;
  connect_error: (err: { message: string }) => void;
  /** The transport stopped reconnecting (socket.io-client Manager's `reconnect_failed`). */
  reconnect_failed: () => void;
}

export interface ChatSocket {
  readonly connected: boolean;
  /** Opens the connection, or opens it again after a disconnect. */
  connect(): void;
  /** Closes it; it is not reopened until {@link connect}. */
  disconnect(): void;
  on<E extends keyof SocketEvents>(event: E, listener: SocketEvents[E]): void;
  /** Sends a request; `ack` is called with the server's answer (or never, if none comes). */
  emit<E extends keyof ClientToServerEvents>(event: E, ...args: Parameters<ClientToServerEvents[E]>): void;
}

export interface SocketFactoryInput {
  /** Server origin; undefined means the page's own. */
  url: string | undefined;
  /** Handshake `auth`, read at each (re)connect. */
  auth: () => HandshakeAuth;
}

/** Makes the connection; it must not connect before {@link ChatSocket.connect}. */
export type SocketFactory = (input: SocketFactoryInput) => ChatSocket;
