import type { IncomingMessage } from "node:http";

export interface ConnectionLimiterOptions {
  /** @default 200 */
  maxPerIp: number;
  /**
   * Use the address our load balancer saw: the right-most X-Forwarded-For entry, the one it
   * appended (only behind our own load balancer). @default false
   */
  trustProxy: boolean;
}

/** Counts open connections per client IP; refuses new ones over the limit. */
export class ConnectionLimiter {
  private readonly open = new Map<string, number>();

  constructor(private readonly opts: ConnectionLimiterOptions) {}

  ipOf(req: IncomingMessage): string {
    if (this.opts.trustProxy) {
      // Everything left of the last hop is whatever the client wrote: rotating it bypassed the
      // per-IP limit (issue #11). Node joins repeated headers with ", ", so the last is the proxy's.
      const fwd = req.headers["x-forwarded-for"];
      const raw = Array.isArray(fwd) ? fwd.join(",") : fwd;
      const last = raw?.slice(raw.lastIndexOf(",") + 1).trim();
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
