import type { IncomingMessage } from "node:http";

export interface ConnectionLimiterOptions {
  /** @default 200 */
  maxPerIp: number;
  /** Use the right-most X-Forwarded-For address, the one our load balancer appended. @default false */
  trustProxy: boolean;
}

export const defaultConnectionLimiterOptions: ConnectionLimiterOptions = { maxPerIp: 200, trustProxy: false };

/** Counts open connections per client IP; refuses new ones over the limit. */
export class ConnectionLimiter {
  private readonly open = new Map<string, number>();
  private readonly opts: ConnectionLimiterOptions;

  constructor(options: Partial<ConnectionLimiterOptions> = {}) {
    this.opts = { ...defaultConnectionLimiterOptions, ...options } satisfies ConnectionLimiterOptions;
  }

  /**
   * The client's address. Behind the load balancer (`trustProxy`): the right-most
   * `X-Forwarded-For` entry, the one our HAProxy appended from the TCP peer it saw. Everything to
   * its left was written by the client and proves nothing (taking the left-most let a client
   * rotate a header to bypass the per-IP limits).
   */
  ipOf(req: IncomingMessage): string {
    if (this.opts.trustProxy) {
      const fwd = req.headers["x-forwarded-for"];
      // Node joins repeated X-Forwarded-For headers with ", ": the last entry is still the LB's.
      const joined = Array.isArray(fwd) ? fwd.join(",") : fwd;
      const last = joined?.slice(joined.lastIndexOf(",") + 1).trim();
      if (last) return last;
    }
    return req.socket.remoteAddress ?? "unknown";
  }

  /** Undefined when the connection may open, else the refusal message. */
  admit(req: IncomingMessage): string | undefined {
    const n = this.open.get(this.ipOf(req)) ?? 0;
    return n >= this.opts.maxPerIp ? "too many connections from this address" : undefined;
  }

  /**
   * Counts an opened connection; returns the address it was counted under, for {@link release}.
   * (A key rather than a release closure: one closure per idle viewer is memory, see lean-connections.ts.)
   */
  track(req: IncomingMessage): string {
    const ip = this.ipOf(req);
    this.open.set(ip, (this.open.get(ip) ?? 0) + 1);
    return ip;
  }

  /** Un-counts one connection counted under `ip` by {@link track}; call once per tracked connection. */
  release(ip: string): void {
    const n = (this.open.get(ip) ?? 1) - 1;
    if (n > 0) this.open.set(ip, n);
    else this.open.delete(ip);
  }
}
