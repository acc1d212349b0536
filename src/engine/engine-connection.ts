/**
 * An engine.io connection (engine.io 6.6's `Socket`, pinned) as this server uses it: the library
 * members it reads or replaces, and the fields it adds. Declared once, here; `engineConnection()`
 * is the one cast from Socket.IO's `socket.conn`. The library members are checked by
 * internals.test.ts.
 */
import type { IncomingMessage } from "node:http";
import type { Socket as NetSocket } from "node:net";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Listener = (...args: any[]) => void;

/** The WebSocket under a WebSocket transport (`ws`'s or the lean one), as far as it is touched. */
export interface TransportSocket {
  _socket?: NetSocket;
  /** 1 while open (both engines). */
  readyState?: number;
  /**
   * `ws`'s Sender (its `_state` is 0 and `_queue` empty while it holds nothing back); the lean
   * engine's `_sender` is the connection itself, which never holds anything back.
   */
  _sender?: { _state?: number; _queue?: unknown[] };
  /** The lean engine: this connection accepted permessage-deflate (shared-frame.ts). */
  deflate?: boolean;
  close?(code?: number, reason?: string): void;
  listeners?(event: "error"): Listener[];
  removeListener?(event: "error", fn: Listener): unknown;
}

export interface EngineTransport {
  /** "websocket" or "polling". */
  name: string;
  /** Set on a WebSocket transport. */
  socket?: TransportSocket;
  /** False while engine.io's last send has not been handed to the TCP socket. */
  writable?: boolean;
  removeAllListeners(event: string): unknown;
}

export interface EngineConnection {
  id: string;
  readyState: string;
  /** The handshake request; null once released (lean-connections.ts). */
  request: IncomingMessage | null;
  /** Packets waiting for the transport (client-queue-limit.ts counts and drops them). */
  writeBuffer: { data?: unknown }[];
  /** True while the connection moves from polling to WebSocket. */
  upgrading?: boolean;
  cleanupFn: (() => void)[];
  transport: EngineTransport;
  /** Sends `writeBuffer`; replaced per connection by the write coalescer. */
  flush(): void;
  close(discard?: boolean): void;
  on(event: "close" | "upgrade", listener: (this: EngineConnection) => void): unknown;

  // Added by this server: one field each per connection, and no closure.
  /** The client address the per-IP connection limit counted this connection under, until released. */
  countedAs?: string;
  /** When the write coalescer last wrote this connection (ms). */
  coalescedAt?: number;
}

/** The engine.io connection under a Socket.IO socket. */
export function engineConnection(socket: { conn: unknown }): EngineConnection {
  return socket.conn as EngineConnection;
}
