/** Free TCP ports for harness processes that need a port chosen up front. */
import { createServer } from "node:net";

/** True when `port` can be bound on `host` right now. */
export function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the OS picks as free on `host`. */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface PortSearch {
  /** Lowest port tried. */
  min: number;
  /** Highest port tried. */
  max: number;
  /** Every one of these ports must be free on every host. @default [0] */
  offsets: number[];
  /** @default ["127.0.0.1"] */
  hosts: string[];
  /** Ports to skip (already handed out by this process). @default empty */
  exclude: ReadonlySet<number>;
  /** @default 200 */
  attempts: number;
}

/**
 * A random port in [min, max] such that port + each offset is free on every host. Ports chosen
 * below Linux's ephemeral range (32768+) cannot be taken by some outgoing connection meanwhile;
 * two processes picking at once are caught by the caller retrying when its bind fails.
 */
export async function findFreePort(search: Partial<PortSearch> & Pick<PortSearch, "min" | "max">): Promise<number> {
  const { min, max, offsets = [0], hosts = ["127.0.0.1"], exclude = new Set<number>(), attempts = 200 } = search;
  for (let i = 0; i < attempts; i++) {
    const port = min + Math.floor(Math.random() * (max - min + 1));
    if (offsets.some((o) => exclude.has(port + o))) continue;
    let free = true;
    for (const offset of offsets) {
      for (const host of hosts) {
        if (!(await isPortFree(port + offset, host))) free = false;
        if (!free) break;
      }
      if (!free) break;
    }
    if (free) return port;
  }
  throw new Error(`no free port in ${min}-${max} (offsets ${offsets.join(",")}) after ${attempts} attempts`);
}
