/**
 * This replica's sharded subscriptions, one state machine per channel, so no transition is lost
 * however joins and leaves race (issue #24; the whole story: docs/architecture.md, "Room
 * subscriptions").
 *
 * Why an ordered queue per channel: node-redis 6.3.1 loses an SSUBSCRIBE sent while the channel's
 * SUNSUBSCRIBE awaits its reply (docs/notes/node-redis-sunsubscribe-race.md). Here one command per
 * channel is in flight and the next is chosen from what is wanted once it answered: the last
 * command always matches the room's membership. Why a grace period as well: viewers reload and
 * switch tabs; keeping an emptied room's subscription `graceMs` spares those rooms the
 * unsubscribe/subscribe pair and the next join's probe, for the price of the room's traffic
 * reaching this replica that long for nobody. The grace alone would not be correct (a join can
 * meet the unsubscribe at its end); the queue is.
 *
 * A channel is ready once subscribed and proven by a probe in the current epoch (a subscriber
 * connection event starts a new one). A lost probe or the watchdog makes it suspect: unsubscribed
 * first (node-redis then forgets its listener, so the SSUBSCRIBE is really sent), then subscribed
 * and proven again.
 */
import type { Logger } from "pino";

export type RepairKind =
  /** Local members, but Redis does not deliver the channel to this replica (watchdog). */
  | "missing"
  /** Subscribed on Redis with no local members (watchdog). */
  | "stray"
  /** A join's probe did not come back after a confirmed subscribe. */
  | "probe_lost";

export interface SubscriberClient {
  /** SSUBSCRIBE with the adapter's handler; resolves on the reply (or on node-redis's belief). */
  subscribe(channel: string): Promise<void>;
  /** SUNSUBSCRIBE; resolves on the reply. */
  unsubscribe(channel: string): Promise<void>;
}

export interface RoomSubscriptionsDeps {
  client: SubscriberClient;
  /** Whether the channel should be subscribed now (its room has local members, or it is fixed). */
  wanted(channel: string): boolean;
  /** Resolves true when a probe came back on the subscriber, false when lost; rejects when publishing failed. */
  probe(channel: string): Promise<boolean>;
  onRepair?(kind: RepairKind, channel: string): void;
  logger?: Pick<Logger, "warn">;
}

export interface RoomSubscriptionsOptions {
  /** How long an emptied room keeps its subscription (flapping rooms are spared the churn); 0 = none. @default 5000 */
  graceMs: number;
  /** First wait after a failed command or probe; doubles per failure in a row. @default 100 */
  retryMs: number;
  /** @default 5000 */
  maxRetryMs: number;
  /** Lost probes in a row after which waiting joins fail (they retry) while repairs go on. @default 2 */
  maxLostProbes: number;
}

export const defaultRoomSubscriptionsOptions: RoomSubscriptionsOptions = { graceMs: 5_000, retryMs: 100, maxRetryMs: 5_000, maxLostProbes: 2 };

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

interface ChannelState {
  readonly name: string;
  /** Redis has (or, after a failed command, may have) the subscription. */
  subscribed: boolean;
  /** Redis may disagree with `subscribed`: unsubscribe before subscribing again. */
  suspect: boolean;
  /** A command is in flight: nothing else is sent for this channel until it answers. */
  busy: boolean;
  proving: boolean;
  /** Prove after this subscribe even if no join waits (a repair, a fresh subscription). */
  proveNext: boolean;
  provenEpoch: number;
  /** Bumped per command: a probe sent before it no longer speaks for the subscription. */
  gen: number;
  failures: number;
  lostProbes: number;
  waiters: Waiter[];
  /** Called once the channel settles unsubscribed and is dropped (a stray's removal). */
  dropped: (() => void) | undefined;
  grace: NodeJS.Timeout | undefined;
  retry: NodeJS.Timeout | undefined;
}

export type ProbeOutcome = "ok" | "repaired" | "skipped";

export class RoomSubscriptions {
  private readonly opts: RoomSubscriptionsOptions;
  private readonly channels = new Map<string, ChannelState>();
  private epoch = 0;
  private closed = false;

  constructor(
    private readonly deps: RoomSubscriptionsDeps,
    options: Partial<RoomSubscriptionsOptions> = {},
  ) {
    this.opts = { ...defaultRoomSubscriptionsOptions, ...options } satisfies RoomSubscriptionsOptions;
  }

  /** Membership of the channel's room changed (create-room, delete-room): converge on it. */
  update(channel: string): void {
    const wanted = this.deps.wanted(channel);
    let ch = this.channels.get(channel);
    if (!ch) {
      if (!wanted) return;
      ch = this.track(channel, false);
    }
    if (wanted && ch.grace) {
      clearTimeout(ch.grace);
      ch.grace = undefined;
    } else if (!wanted && !ch.grace && this.opts.graceMs > 0 && (ch.subscribed || ch.busy) && !ch.suspect) {
      const state = ch;
      ch.grace = setTimeout(() => {
        state.grace = undefined;
        this.pump(state);
      }, this.opts.graceMs).unref();
    }
    this.pump(ch);
  }

  /** A channel some other code subscribed (the adapter's fixed channels): tracked as subscribed, unproven. */
  adopt(channel: string): void {
    if (!this.channels.has(channel)) this.track(channel, true);
  }

  /** True when a join needs no wait: subscribed, trusted, and proven since the last connection event. */
  isReady(channel: string): boolean {
    const ch = this.channels.get(channel);
    return ch !== undefined && ch.subscribed && !ch.suspect && !ch.busy && ch.provenEpoch === this.epoch;
  }

  /** Resolves once the channel is ready; rejects when Redis refused or failed (the join acks unavailable). */
  whenReady(channel: string): Promise<void> {
    if (this.isReady(channel)) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error("subscriptions closed"));
    const ch = this.channels.get(channel) ?? this.track(channel, false);
    return new Promise<void>((resolve, reject) => {
      ch.waiters.push({ resolve, reject });
      this.pump(ch);
    });
  }

  /** The subscriber's connections changed (reconnect, failover): every channel proves itself again at its next join. */
  invalidate(): void {
    this.epoch++;
  }

  /** Channels with nothing in flight, subscribed and trusted, with their generation (for the watchdog). */
  settled(): Map<string, number> {
    const out = new Map<string, number>();
    for (const ch of this.channels.values()) if (ch.subscribed && !ch.suspect && !ch.busy && !ch.retry) out.set(ch.name, ch.gen);
    return out;
  }

  /** Every tracked channel that is not settled (may or may not be on Redis right now). */
  unsettled(): string[] {
    const settled = this.settled();
    return [...this.channels.keys()].filter((name) => !settled.has(name));
  }

  has(channel: string): boolean {
    return this.channels.has(channel);
  }

  /**
   * Probes a settled channel (the watchdog's suspects): repaired as `missing` when the probe is
   * lost. Skipped when the channel changed since `gen` or is busy.
   */
  async check(channel: string, gen: number): Promise<ProbeOutcome> {
    const ch = this.channels.get(channel);
    if (!ch || ch.gen !== gen || ch.busy || ch.proving || !ch.subscribed || ch.suspect) return "skipped";
    return this.prove(ch, "missing");
  }

  /**
   * Unsubscribes a channel Redis lists but nothing here tracks (the watchdog's strays); resolves
   * once the SUNSUBSCRIBE answered. Undefined when the channel is tracked or wanted.
   */
  dropStray(channel: string): Promise<void> | undefined {
    if (this.closed || this.channels.has(channel) || this.deps.wanted(channel)) return undefined;
    const ch = this.track(channel, true);
    ch.suspect = true;
    const done = new Promise<void>((resolve) => (ch.dropped = resolve));
    this.pump(ch);
    return done;
  }

  close(): void {
    this.closed = true;
    for (const ch of this.channels.values()) {
      clearTimeout(ch.grace);
      clearTimeout(ch.retry);
      this.fail(ch, new Error("subscriptions closed"));
      ch.dropped?.();
    }
    this.channels.clear();
  }

  private track(name: string, subscribed: boolean): ChannelState {
    const ch: ChannelState = {
      name,
      subscribed,
      suspect: false,
      busy: false,
      proving: false,
      proveNext: false,
      provenEpoch: -1,
      gen: 0,
      failures: 0,
      lostProbes: 0,
      waiters: [],
      dropped: undefined,
      grace: undefined,
      retry: undefined,
    };
    this.channels.set(name, ch);
    return ch;
  }

  /** The one place that decides the next step of a channel. */
  private pump(ch: ChannelState): void {
    // A state dropped from the map (settled off) must never send again: a new one owns the channel.
    if (this.closed || this.channels.get(ch.name) !== ch || ch.busy || ch.retry) return;
    const want = ch.grace !== undefined || this.deps.wanted(ch.name);
    if (ch.subscribed && (ch.suspect || !want)) return this.command(ch, "unsubscribe");
    if (!ch.subscribed && want) return this.command(ch, "subscribe");
    if (!want) {
      this.fail(ch, new Error("room has no local members"));
      this.channels.delete(ch.name);
      ch.dropped?.();
      return;
    }
    if (ch.provenEpoch === this.epoch) {
      for (const w of ch.waiters.splice(0)) w.resolve();
      return;
    }
    if (!ch.proving && (ch.waiters.length > 0 || ch.proveNext)) void this.prove(ch, "probe_lost");
  }

  private command(ch: ChannelState, op: "subscribe" | "unsubscribe"): void {
    ch.busy = true;
    ch.gen++;
    ch.provenEpoch = -1;
    const sent = op === "subscribe" ? this.deps.client.subscribe(ch.name) : this.deps.client.unsubscribe(ch.name);
    sent.then(
      () => {
        ch.busy = false;
        ch.failures = 0;
        ch.subscribed = op === "subscribe";
        ch.suspect = false;
        ch.proveNext = op === "subscribe";
        this.pump(ch);
      },
      (err: unknown) => {
        ch.busy = false;
        // Redis's state is unknown now (node-redis may also re-send the channel after a reconnect):
        // unsubscribe before anything else.
        ch.subscribed = true;
        ch.suspect = true;
        this.deps.logger?.warn({ err, channel: ch.name, op }, "sharded subscription command failed; retrying");
        if (op === "subscribe") this.fail(ch, err);
        this.backoff(ch);
      },
    );
  }

  private async prove(ch: ChannelState, kind: RepairKind): Promise<ProbeOutcome> {
    ch.proving = true;
    ch.proveNext = false;
    const { gen } = ch;
    const epoch = this.epoch;
    let arrived: boolean;
    try {
      arrived = await this.deps.probe(ch.name);
    } catch (err) {
      // Publishing failed: nothing is known about the subscription; joins fail fast and retry.
      ch.proving = false;
      this.fail(ch, err);
      this.backoff(ch);
      return "skipped";
    }
    ch.proving = false;
    if (ch.gen !== gen) {
      this.pump(ch);
      return "skipped";
    }
    if (arrived) {
      ch.lostProbes = 0;
      if (this.epoch === epoch) ch.provenEpoch = epoch;
      this.pump(ch);
      return "ok";
    }
    ch.suspect = true;
    ch.lostProbes++;
    this.deps.onRepair?.(kind, ch.name);
    this.deps.logger?.warn({ channel: ch.name, kind }, "sharded subscription not delivering; re-subscribing");
    if (ch.lostProbes >= this.opts.maxLostProbes) {
      this.fail(ch, new Error("subscription not delivering"));
      this.backoff(ch);
    } else {
      this.pump(ch);
    }
    return "repaired";
  }

  private fail(ch: ChannelState, err: unknown): void {
    for (const w of ch.waiters.splice(0)) w.reject(err);
  }

  private backoff(ch: ChannelState): void {
    if (this.closed || ch.retry) return;
    const delay = Math.min(this.opts.retryMs * 2 ** ch.failures++, this.opts.maxRetryMs);
    ch.retry = setTimeout(() => {
      ch.retry = undefined;
      this.pump(ch);
    }, delay).unref();
  }
}
