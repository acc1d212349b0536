/**
 * Proof that a sharded subscription is real: this replica SPUBLISHes a probe on the channel and
 * waits for its own subscriber connection to receive it. A subscribe promise can resolve without
 * Redis having subscribed anything (docs/notes/node-redis-sunsubscribe-race.md); a probe that comes
 * back cannot.
 */
import { randomBytes } from "node:crypto";

/**
 * First byte of a probe payload on a channel: `?`. Neither JSON (`{`), msgpack map bytes
 * (0x80-0x8f, 0xde, 0xdf) nor entries (`!`), so no decoder mistakes one for another; replicas
 * drop probes that are not their own (an older replica's stock decoder rejects it: trailing bytes).
 */
export const PROBE_MARK = 0x3f;

export interface SubscriptionProbeOptions {
  /** How long a probe may take to come back before the subscription counts as lost. @default 1000 */
  timeoutMs: number;
}

export const defaultProbeOptions: SubscriptionProbeOptions = { timeoutMs: 1_000 };

export interface SubscriptionProbeDeps {
  /** SPUBLISH on the channel's shard (the publisher client, not the subscriber). */
  publish(channel: string, payload: string): Promise<unknown>;
}

export function isProbePayload(raw: Buffer): boolean {
  return raw.length > 1 && raw[0] === PROBE_MARK;
}

interface Pending {
  resolve(arrived: boolean): void;
  timer: NodeJS.Timeout;
}

export class SubscriptionProbe {
  private readonly opts: SubscriptionProbeOptions;
  /** Tells this instance's probes from other replicas' (each gets every probe of a shared room). */
  private readonly prefix = `?${randomBytes(6).toString("base64url")}:`;
  private seq = 0;
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly deps: SubscriptionProbeDeps,
    options: Partial<SubscriptionProbeOptions> = {},
  ) {
    this.opts = { ...defaultProbeOptions, ...options } satisfies SubscriptionProbeOptions;
  }

  /**
   * Publishes a probe on `channel`: resolves true when it came back, false when it did not within
   * the timeout (the subscription is not real); rejects when the publish itself failed (Redis
   * unreachable: nothing is known about the subscription).
   */
  async send(channel: string): Promise<boolean> {
    const payload = `${this.prefix}${++this.seq}`;
    const arrived = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => this.settle(payload, false), this.opts.timeoutMs);
      timer.unref();
      this.pending.set(payload, { resolve, timer });
    });
    try {
      await this.deps.publish(channel, payload);
    } catch (err) {
      this.settle(payload, false);
      throw err;
    }
    return arrived;
  }

  /** A probe payload arrived on the subscriber connection: settles it if it is one of ours. */
  received(raw: Buffer): void {
    if (this.pending.size === 0) return;
    const payload = raw.toString();
    if (payload.startsWith(this.prefix)) this.settle(payload, true);
  }

  /** Settles every pending probe as not arrived (closing). */
  close(): void {
    for (const payload of [...this.pending.keys()]) this.settle(payload, false);
  }

  private settle(payload: string, arrived: boolean): void {
    const pending = this.pending.get(payload);
    if (!pending) return;
    this.pending.delete(payload);
    clearTimeout(pending.timer);
    pending.resolve(arrived);
  }
}
