/**
 * A bare Socket.IO server for delivery tests: the chat's in-memory adapter, every connection joined
 * to room `lobby` (batch clients marked as the handshake does), no chat handlers, so a test drives
 * LocalDelivery itself and reads what each client receives.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type ServerOptions, type Socket } from "socket.io";
import { ChatMemoryAdapter } from "../../src/adapter/memory-adapter.js";
import { wantsBatches } from "../../src/auth/handshake.js";
import type { ChatClient } from "./clients.js";

export const LOBBY = "lobby";

export interface LobbyServer {
  io: Server;
  url: string;
  /** Server-side sockets by id. */
  sockets: Map<string, Socket>;
  close(): Promise<void>;
}

export async function startLobbyServer(options: Partial<ServerOptions> = {}): Promise<LobbyServer> {
  const http = createServer();
  const io = new Server(http, { adapter: ChatMemoryAdapter, serveClient: false, ...options });
  const sockets = new Map<string, Socket>();
  io.use((socket, next) => {
    if (wantsBatches(socket.handshake.auth)) socket.data.batch = true;
    next();
  });
  io.on("connection", (s) => {
    sockets.set(s.id, s);
    void s.join(LOBBY);
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  return {
    io,
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    sockets,
    close: () => new Promise<void>((r) => io.close(() => r())),
  };
}

/** Resolves once every client got a marker sent after the deliveries (one connection keeps order). */
export async function settleLobby(io: Server, clients: ChatClient[]): Promise<void> {
  const marked = clients.map((c) => new Promise<void>((r) => (c as unknown as { once(e: string, f: () => void): void }).once("marker", r)));
  io.to(LOBBY).emit("marker");
  await Promise.all(marked);
}
