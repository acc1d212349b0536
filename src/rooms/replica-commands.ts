/**
 * Commands that must act on every replica's local connections: removing a banned user's sockets
 * from a room, and closing a user's connections. Sent with Socket.IO's `serverSideEmit` over the
 * adapter (on the sharded Redis adapter: one SPUBLISH on the namespace channel, answered by each
 * replica on its response channel), and run here at the same time.
 *
 * Each replica scans its own sockets (a room's members, or all of them for a disconnect): no index
 * by user, which would cost memory per viewer, and no `fetchSockets` fan-out.
 */
import type { Logger } from "pino";
import type { ChatNamespace } from "../socket/chat-io.js";

export interface ReplicaCommandsDeps {
  nsp: ChatNamespace;
  logger: Logger;
}

export class ReplicaCommands {
  constructor(private readonly deps: ReplicaCommandsDeps) {
    const { nsp } = deps;
    nsp.on("chat:ban-kick", (req, ack) => ack(this.kickLocal(req.room, req.userId, req.until)));
    nsp.on("chat:disconnect-user", (req, ack) => ack(this.disconnectLocal(req.userId)));
  }

  /** Tells `userId`'s sockets in `room`, on every replica, that they are banned and removes them; resolves with how many. */
  kick(room: string, userId: string, until: number | null): Promise<number> {
    return this.everywhere(() => this.kickLocal(room, userId, until), () => this.deps.nsp.serverSideEmitWithAck("chat:ban-kick", { room, userId, until }));
  }

  /** Closes `userId`'s connections on every replica; resolves with how many. */
  disconnect(userId: string): Promise<number> {
    return this.everywhere(() => this.disconnectLocal(userId), () => this.deps.nsp.serverSideEmitWithAck("chat:disconnect-user", { userId }));
  }

  /**
   * Runs a command here and on the other replicas; a replica that does not answer within the
   * adapter's request timeout (5 s) is left out of the count and logged. Its users' sends and
   * joins are refused anyway: bans are checked in the store, on every replica.
   */
  private async everywhere(local: () => number, remote: () => Promise<number[]>): Promise<number> {
    let count = local();
    try {
      // The in-memory adapter (embedded mode) is the only server; it cannot serverSideEmit.
      if ((await this.deps.nsp.adapter.serverCount()) <= 1) return count;
      count += sum(await remote());
    } catch (err) {
      count += sum((err as { responses?: number[] }).responses ?? []);
      this.deps.logger.warn({ err }, "not every replica answered a replica command");
    }
    return count;
  }

  private kickLocal(room: string, userId: string, until: number | null): number {
    const { nsp } = this.deps;
    const members = nsp.adapter.rooms.get(room);
    let removed = 0;
    for (const sid of [...(members ?? [])]) {
      const socket = nsp.sockets.get(sid);
      if (socket?.data.user?.id !== userId) continue;
      socket.emit("room:banned", { room, until });
      void socket.leave(room);
      removed++;
    }
    return removed;
  }

  private disconnectLocal(userId: string): number {
    let closed = 0;
    for (const socket of [...this.deps.nsp.sockets.values()]) {
      if (socket.data.user?.id !== userId) continue;
      socket.disconnect(true);
      closed++;
    }
    return closed;
  }
}

function sum(counts: unknown[]): number {
  return counts.reduce<number>((total, n) => total + (typeof n === "number" ? n : 0), 0);
}
