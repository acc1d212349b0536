/**
 * Limits across connections, on one replica: one IP's and one user's sockets share a message rate,
 * and a client disconnected for flooding is refused for a while, by IP and by user, so reconnecting
 * does not hand it fresh buckets.
 *
 * Why per replica and not cluster-wide: the load balancer keeps one client's connections spread
 * over few replicas, and a Redis round trip per message to share a counter would cost every honest
 * send what only an abuser should pay. N replicas let one IP through at most N times the rate.
 *
 * State is created only for IPs and users that send (most viewers never do), and swept when idle:
 * a bucket that has refilled carries no information.
 */
import type { Socket } from "socket.io";
import type { VerifiedUser } from "../auth/token.js";
import { engineConnection } from "../engine/engine-connection.js";
import { ErrorCode } from "../protocol/index.js";
import { TokenBucket } from "../util/token-bucket.js";

const RATE_LIMITED = ErrorCode.RateLimited;

export interface AbuseControlOptions {
  /** Messages per second over all connections of one client IP (RATE_LIMIT_PER_IP_PER_SEC). @default 60 */
  perIpPerSec: number;
  /** Messages per second over all connections of one user id (RATE_LIMIT_PER_USER_PER_SEC). @default 10 */
  perUserPerSec: number;
  /** How long a flood-disconnected IP and user are refused (FLOOD_PENALTY_SEC). @default 60000 */
  penaltyMs: number;
  /** Idle keys are forgotten after this long. @default 60000 */
  idleMs: number;
}

export const defaultAbuseControlOptions: AbuseControlOptions = { perIpPerSec: 60, perUserPerSec: 10, penaltyMs: 60_000, idleMs: 60_000 };

/** Token buckets by key, made on first use, dropped when idle. */
class KeyedBuckets {
  private readonly buckets = new Map<string, { bucket: TokenBucket; used: number }>();

  constructor(
    private readonly perSec: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {}

  take(key: string): number {
    let entry = this.buckets.get(key);
    if (!entry) {
      entry = { bucket: new TokenBucket(this.perSec, this.burst, this.now), used: 0 };
      this.buckets.set(key, entry);
    }
    entry.used = this.now();
    return entry.bucket.take();
  }

  sweep(olderThan: number): void {
    for (const [key, entry] of this.buckets) if (entry.used < olderThan) this.buckets.delete(key);
  }

  get size(): number {
    return this.buckets.size;
  }
}

export class AbuseControl {
  private readonly opts: AbuseControlOptions;
  private readonly ips: KeyedBuckets;
  private readonly users: KeyedBuckets;
  /** "ip:<addr>" or "user:<id>" -> refused until (ms). */
  private readonly penalties = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    options: Partial<AbuseControlOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.opts = { ...defaultAbuseControlOptions, ...options } satisfies AbuseControlOptions;
    // A burst of one second's worth: a page that opens with a few quick messages is not refused.
    this.ips = new KeyedBuckets(this.opts.perIpPerSec, this.opts.perIpPerSec, now);
    this.users = new KeyedBuckets(this.opts.perUserPerSec, Math.max(1, this.opts.perUserPerSec * 2), now);
    this.timer = setInterval(() => this.sweep(), Math.max(1_000, this.opts.idleMs / 2));
    this.timer.unref();
  }

  /**
   * Charges one message to the sender's IP and user; 0 when both allow it, else ms until they may.
   * `userId` undefined: an anonymous viewer without a session, whose id is its connection's.
   */
  messageWait(ip: string | undefined, userId: string | undefined): number {
    const byIp = ip === undefined ? 0 : this.ips.take(ip);
    if (byIp > 0 || userId === undefined) return byIp;
    return this.users.take(userId);
  }

  /** A connection of this IP and user was disconnected for flooding: refuse both for a while. */
  flooded(ip: string | undefined, userId: string | undefined): void {
    const until = this.now() + this.opts.penaltyMs;
    if (ip !== undefined) this.penalties.set(`ip:${ip}`, until);
    if (userId !== undefined) this.penalties.set(`user:${userId}`, until);
  }

  /** Milliseconds this IP is still refused, or 0. */
  ipRefusedFor(ip: string): number {
    return this.refusedFor(`ip:${ip}`);
  }

  /** Milliseconds this user is still refused, or 0. */
  userRefusedFor(userId: string): number {
    return this.refusedFor(`user:${userId}`);
  }

  /**
   * Socket.IO middleware refusing a penalized IP or user with `connect_error`
   * "rate_limited: ..." and `data.retryAfterMs`. Runs after the handshake (it needs the user).
   */
  middleware(): (socket: Socket, next: (err?: Error) => void) => void {
    return (socket, next) => {
      const ip = engineConnection(socket).countedAs;
      const user = socket.data.user as VerifiedUser | undefined;
      const wait = Math.max(ip === undefined ? 0 : this.ipRefusedFor(ip), user && !user.ephemeral ? this.userRefusedFor(user.id) : 0);
      if (wait === 0) return next();
      next(Object.assign(new Error(`${RATE_LIMITED}: disconnected for flooding; retry later`), { data: { retryAfterMs: wait } }));
    };
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** Keys tracked now (for tests and metrics). */
  get tracked(): { ips: number; users: number; penalties: number } {
    return { ips: this.ips.size, users: this.users.size, penalties: this.penalties.size };
  }

  private refusedFor(key: string): number {
    const until = this.penalties.get(key);
    if (until === undefined) return 0;
    const left = until - this.now();
    if (left > 0) return left;
    this.penalties.delete(key);
    return 0;
  }

  private sweep(): void {
    const now = this.now();
    this.ips.sweep(now - this.opts.idleMs);
    this.users.sweep(now - this.opts.idleMs);
    for (const [key, until] of this.penalties) if (until <= now) this.penalties.delete(key);
  }
}
