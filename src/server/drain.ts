/**
 * Step 3 of the server, at shutdown: move every client to another replica. Closing each client's
 * transport (not `socket.disconnect()`) makes the clients reconnect by themselves, through the load
 * balancer to a replica that is not draining, and recover from history there.
 */
import type { Logger } from "pino";
import type { ChatIo } from "../socket/chat-io.js";
import type { DrainOptions } from "./server-options.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** After `delayMs` (for the load balancer to see /readyz fail), closes every transport, in batches over `spreadMs`. */
export async function drainClients(io: ChatIo, logger: Logger, drain: Partial<DrainOptions>): Promise<void> {
  const { delayMs = 0, spreadMs = 0 } = drain;
  if (delayMs > 0) await sleep(delayMs);
  const sockets = [...io.of("/").sockets.values()];
  logger.info({ sockets: sockets.length }, "draining: moving clients to other replicas");
  const batches = Math.max(1, Math.ceil(spreadMs / 50));
  const perBatch = Math.ceil(sockets.length / batches);
  for (let i = 0; i < sockets.length; i += perBatch) {
    for (const s of sockets.slice(i, i + perBatch)) s.conn.close();
    if (i + perBatch < sockets.length) await sleep(50);
  }
}
