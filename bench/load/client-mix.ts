/** What a scenario's load connections are made of, and the spec of each one. */
import type { ClientSpec, ViewerKind } from "./load-protocol.js";

export interface LoadClients {
  /** How viewers are implemented. @default "lean" */
  viewers: ViewerKind;
  /**
   * The clients speak protocol v1.1 batches (this server as shipped; not the stock baselines, not
   * this server's v1 kinds). Senders are then the SDK, else socket.io-client; SDK viewers fall back
   * to socket.io-client where there are no batches (the SDK always asks for them).
   */
  batch: boolean;
  /** One lean viewer in this many is a sample viewer (decodes and checks everything). @default 50 */
  sampleEvery: number;
  /**
   * Lean viewers other than the sample read their sockets at most this often, in batches
   * (bench/load/lean/read-pacer.ts); 0 reads everything as it comes. @default 250
   */
  readEveryMs: number;
}

export const defaultLoadClients: LoadClients = { viewers: "lean", batch: false, sampleEvery: 50, readEveryMs: 250 };

/** How a scenario's viewers spread over `processes` load processes. */
export function fleetOptions(clients: LoadClients, processes: number): { viewerProcesses: number; readEveryMs: number } {
  return { viewerProcesses: processes, readEveryMs: clients.viewers === "lean" ? clients.readEveryMs : 0 };
}

type Where = Pick<ClientSpec, "url" | "replica" | "rooms" | "localAddress">;

/**
 * Viewer number `index` of a scenario whose viewers go round-robin over `replicas`: the sample is
 * every `sampleEvery`-th round of replicas, so it is spread over all of them (2% by default).
 */
export function viewerSpec(clients: LoadClients, where: Where, index: number, replicas: number): ClientSpec {
  if (clients.viewers === "sdk") return { ...where, client: clients.batch ? "sdk" : "plain" };
  if (clients.viewers === "plain") return { ...where, client: "plain", batch: clients.batch };
  const sample = Math.floor(index / Math.max(1, replicas)) % Math.max(1, clients.sampleEvery) === 0;
  return { ...where, client: "lean", batch: clients.batch, ...(sample ? { sample } : {}) };
}

/** Senders stay real clients: the SDK where the clients speak batches, else socket.io-client. */
export function senderSpec(clients: LoadClients, where: Where): ClientSpec {
  return { ...where, client: clients.batch ? "sdk" : "plain" };
}
