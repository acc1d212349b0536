/**
 * This replica's heartbeat: every `beatMs` a beat (src/ops/replica-sampler.ts) goes to the replica
 * registry, where it counts for `ttlBeats` beats. A replica that stops beating (killed, frozen, cut
 * off from Redis) shows as late after two missed beats and leaves the cluster view when its last
 * beat's TTL runs out; a graceful stop leaves at once.
 *
 * Cost per beat: one pass over this replica's rooms (top rooms by members) and over the rooms that
 * had messages since the last beat, three counter reads, and one Redis call of about 2-4 KB.
 */
import type { Logger } from "pino";
import type { ReplicaBeat, ReplicaRegistry } from "./replica-registry.js";

export interface HeartbeatOptions {
  /** Time between two beats. @default 2000 */
  beatMs: number;
  /** A beat counts for this many beat intervals unless refreshed. @default 3 */
  ttlBeats: number;
}

export const defaultHeartbeatOptions: HeartbeatOptions = { beatMs: 2_000, ttlBeats: 3 };

export interface HeartbeatDeps {
  registry: ReplicaRegistry;
  /** The beat to send now. */
  sample: () => Promise<ReplicaBeat>;
  replicaId: string;
  logger: Logger;
}

export class Heartbeat {
  private readonly opts: HeartbeatOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failing = false;

  constructor(
    private readonly deps: HeartbeatDeps,
    options: Partial<HeartbeatOptions> = {},
  ) {
    this.opts = { ...defaultHeartbeatOptions, ...options } satisfies HeartbeatOptions;
  }

  /** Beats now and then every `beatMs`. */
  start(): void {
    if (this.timer) return;
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.opts.beatMs);
    this.timer.unref();
  }

  /** One beat (skipped while the previous one is still on its way); never rejects. */
  beat(): Promise<void> {
    this.running ??= this.send().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Stops beating and leaves the registry, so the replica disappears from the view at once. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.deps.registry.leave(this.deps.replicaId).catch((err: unknown) => {
      this.deps.logger.warn({ err }, "could not leave the replica registry; this replica drops out when its last beat expires");
    });
  }

  private async send(): Promise<void> {
    try {
      await this.deps.registry.beat(await this.deps.sample(), this.opts.beatMs * this.opts.ttlBeats);
      if (this.failing) this.deps.logger.info("heartbeat written again");
      this.failing = false;
    } catch (err) {
      // Logged once per outage: Redis being down is reported by everything else already.
      if (!this.failing) this.deps.logger.warn({ err }, "heartbeat failed; this replica shows as late, then drops out of the cluster view, until it beats again");
      this.failing = true;
    }
  }
}
