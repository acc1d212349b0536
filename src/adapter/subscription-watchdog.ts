/**
 * Finds and repairs drift between the channels this replica means to be subscribed to and what
 * Redis delivers to it: a subscription lost without the client noticing (node-redis's
 * SUNSUBSCRIBE/SSUBSCRIBE race, a failover's re-subscribe that failed, a slot migration's
 * server-side SUNSUBSCRIBE that arrived while a reply was pending) or one left behind.
 *
 * Counts find, probes prove. Per master, one `CLIENT LIST` gives how many sharded channels this
 * replica's subscriber connection holds there (`ssub` of the connections named after it) and one
 * `PUBSUB SHARDNUMSUB` per 500 of its channels how many subscribers each has. Redis cannot list a
 * connection's channels, so a count is only a suspicion: a channel nobody subscribes to, or fewer
 * subscriptions than expected, makes the channels concerned suspects, and each suspect is probed
 * (subscription-probe.ts); only a lost probe is repaired. More subscriptions than expected are
 * strays: the node's room channels that nothing here tracks are unsubscribed (a SUNSUBSCRIBE of a
 * channel the connection does not hold is a no-op). A few random channels are probed each run
 * anyway (`auditPerRun`). A steady replica costs two commands per master and those few probes per
 * run.
 */
import type { Logger } from "pino";
import type { RoomSubscriptions } from "./room-subscriptions.js";

/** One Redis master, reached on a connection that is not the subscriber's. */
export interface ShardNode {
  address: string;
  send(args: string[]): Promise<unknown>;
}

export interface ShardNodes {
  /** Every master now (standalone: the one server). */
  masters(): Promise<ShardNode[]>;
  /** Address of the master that owns the channel's slot, as the clients see it now. */
  ownerOf(channel: string): string | undefined;
}

export interface SubscriptionWatchdogOptions {
  /** Time between runs; 0 = off. @default 10000 */
  intervalMs: number;
  /** After a subscriber connection event, a run this soon (node-redis has re-subscribed by then). @default 2000 */
  kickDelayMs: number;
  /** Probes per run at most (the rest wait for the next run). @default 200 */
  maxProbes: number;
  /** Stray channels unsubscribed per master per run at most. @default 500 */
  maxStrays: number;
  /**
   * Channels probed per run whatever the counts say, at random: the one drift counts cannot see (a
   * lost subscription another replica still holds, on a master where a stray one evens the count)
   * is found eventually. @default 5
   */
  auditPerRun: number;
}

export const defaultWatchdogOptions: SubscriptionWatchdogOptions = { intervalMs: 10_000, kickDelayMs: 2_000, maxProbes: 200, maxStrays: 500, auditPerRun: 5 };

export interface SubscriptionWatchdogDeps {
  subscriptions: RoomSubscriptions;
  nodes: ShardNodes;
  /** `CLIENT SETNAME` of this replica's subscriber connections. */
  subscriberName: string;
  /** `PUBSUB SHARDCHANNELS` pattern of room channels (strays are looked for among them). */
  channelPattern: string;
  /** Stray subscriptions counted on a master (their untracked room channels were unsubscribed). */
  onStray?(count: number, node: string): void;
  logger?: Pick<Logger, "warn">;
}

export interface WatchdogReport {
  /** Suspects probed. */
  probed: number;
  /** Channels re-subscribed because their probe was lost. */
  missing: number;
  /** Subscriptions Redis counted beyond what this replica holds (the node's untracked room channels were unsubscribed). */
  stray: number;
  /** Masters that could not be checked. */
  failed: number;
}

const NUMSUB_BATCH = 500;
const PROBE_CONCURRENCY = 20;
/** Longest wait for stray SUNSUBSCRIBEs before counting again. */
const STRAY_WAIT_MS = 5_000;

/** Sum of `ssub=` of the `CLIENT LIST` lines whose `name=` is `name`; undefined when Redis does not report `ssub`. */
export function shardSubscriptionsOf(clientList: string, name: string): number | undefined {
  let total = 0;
  for (const line of clientList.split("\n")) {
    const fields = new Map(line.trim().split(" ").map((f) => [f.slice(0, f.indexOf("=")), f.slice(f.indexOf("=") + 1)]));
    if (fields.get("name") !== name) continue;
    const ssub = fields.get("ssub");
    if (ssub === undefined) return undefined;
    total += Number(ssub);
  }
  return total;
}

function shuffled<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

function asText(reply: unknown): string {
  return Buffer.isBuffer(reply) ? reply.toString() : String(reply);
}

/** `PUBSUB SHARDNUMSUB` replies `[channel, count, ...]` (RESP2) or a map (RESP3). */
function numsubOf(reply: unknown): Map<string, number> {
  const out = new Map<string, number>();
  if (Array.isArray(reply)) for (let i = 0; i + 1 < reply.length; i += 2) out.set(asText(reply[i]), Number(reply[i + 1]));
  else if (reply && typeof reply === "object") for (const [k, v] of Object.entries(reply)) out.set(k, Number(v));
  return out;
}

export class SubscriptionWatchdog {
  private readonly opts: SubscriptionWatchdogOptions;
  private timer: NodeJS.Timeout | undefined;
  private kickTimer: NodeJS.Timeout | undefined;
  private running: Promise<WatchdogReport> | undefined;
  private stopped = false;

  constructor(
    private readonly deps: SubscriptionWatchdogDeps,
    options: Partial<SubscriptionWatchdogOptions> = {},
  ) {
    this.opts = { ...defaultWatchdogOptions, ...options } satisfies SubscriptionWatchdogOptions;
  }

  start(): void {
    if (this.opts.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.run(), this.opts.intervalMs).unref();
  }

  /** A run soon (a subscriber connection event), unless one is already due sooner. */
  kick(): void {
    if (this.stopped || this.opts.intervalMs <= 0 || this.kickTimer) return;
    this.kickTimer = setTimeout(() => {
      this.kickTimer = undefined;
      void this.run();
    }, this.opts.kickDelayMs).unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.kickTimer);
  }

  /** One check of every master (one at a time, to stay cheap); concurrent calls share a run. Never rejects. */
  run(): Promise<WatchdogReport> {
    this.running ??= this.check().finally(() => (this.running = undefined));
    return this.running;
  }

  private async check(): Promise<WatchdogReport> {
    const report: WatchdogReport = { probed: 0, missing: 0, stray: 0, failed: 0 };
    if (this.stopped) return report;
    const { subscriptions, nodes } = this.deps;
    const settled = subscriptions.settled();
    const byOwner = new Map<string, string[]>();
    for (const channel of settled.keys()) {
      const owner = nodes.ownerOf(channel);
      if (owner !== undefined) byOwner.set(owner, [...(byOwner.get(owner) ?? []), channel]);
    }
    const inFlight = new Map<string, number>();
    for (const channel of subscriptions.unsettled()) {
      const owner = nodes.ownerOf(channel);
      if (owner !== undefined) inFlight.set(owner, (inFlight.get(owner) ?? 0) + 1);
    }
    let masters: ShardNode[];
    try {
      masters = await nodes.masters();
    } catch (err) {
      this.deps.logger?.warn({ err }, "subscription watchdog: no masters to check");
      return { ...report, failed: 1 };
    }
    let budget = this.opts.maxProbes;
    const probed = new Set<string>();
    for (const node of masters) {
      if (this.stopped) break;
      try {
        const expected = byOwner.get(node.address) ?? [];
        const { held, suspects } = await this.countsOn(node, expected);
        const probing = suspects.slice(0, Math.max(0, budget));
        budget -= probing.length;
        for (const channel of probing) probed.add(channel);
        const lost = await this.probe(probing, settled);
        report.probed += probing.length;
        report.missing += lost;
        // Judged after the probes: a lost channel and a stray one on the same master cancel out in the count.
        const excess = held === undefined ? 0 : held - (expected.length - lost) - (inFlight.get(node.address) ?? 0);
        if (excess > 0) report.stray += await this.dropStrays(node, held! - lost, excess);
      } catch (err) {
        report.failed++;
        this.deps.logger?.warn({ err, node: node.address }, "subscription watchdog: master not checked");
      }
    }
    if (!this.stopped && masters.length > 0 && report.failed < masters.length) {
      const audit = shuffled([...settled.keys()].filter((c) => !probed.has(c))).slice(0, Math.min(Math.max(0, budget), this.opts.auditPerRun));
      report.probed += audit.length;
      report.missing += await this.probe(audit, settled);
    }
    if (report.missing > 0 || report.stray > 0) this.deps.logger?.warn({ ...report }, "subscription watchdog repaired drift");
    return report;
  }

  /** Probes suspects a few at a time; resolves with how many were lost (and are being repaired). */
  private async probe(channels: string[], settled: Map<string, number>): Promise<number> {
    const queue = [...channels];
    let lost = 0;
    const next = async (): Promise<void> => {
      for (let channel = queue.shift(); channel !== undefined && !this.stopped; channel = queue.shift()) {
        if ((await this.deps.subscriptions.check(channel, settled.get(channel)!)) === "repaired") lost++;
      }
    };
    await Promise.all(Array.from({ length: PROBE_CONCURRENCY }, next));
    return lost;
  }

  /**
   * Unsubscribes the master's room channels nothing here tracks (most are other replicas': a
   * no-op on this connection), then counts the strays as what this replica's count fell by
   * (`heldBefore` already lowered by the lost channels being re-subscribed meanwhile), at most
   * `excess`: a count that was only ahead of a stale slot map repairs and reports nothing.
   */
  private async dropStrays(node: ShardNode, heldBefore: number, excess: number): Promise<number> {
    const listed = await node.send(["PUBSUB", "SHARDCHANNELS", this.deps.channelPattern]);
    const untracked = (Array.isArray(listed) ? listed.map(asText) : []).filter((c) => !this.deps.subscriptions.has(c));
    const drops: Promise<void>[] = [];
    for (const channel of untracked) {
      if (drops.length >= this.opts.maxStrays) break;
      const dropped = this.deps.subscriptions.dropStray(channel);
      if (dropped) drops.push(dropped);
    }
    if (drops.length === 0) return 0;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(drops), new Promise((resolve) => (timer = setTimeout(resolve, STRAY_WAIT_MS)))]);
    clearTimeout(timer);
    const heldAfter = shardSubscriptionsOf(asText(await node.send(["CLIENT", "LIST"])), this.deps.subscriberName) ?? heldBefore;
    const stray = Math.max(0, Math.min(excess, heldBefore - heldAfter));
    if (stray > 0) this.deps.onStray?.(stray, node.address);
    return stray;
  }

  /** How many sharded channels this replica holds on a master, and which of its channels there deserve a probe. */
  private async countsOn(node: ShardNode, expected: string[]): Promise<{ held: number | undefined; suspects: string[] }> {
    const held = shardSubscriptionsOf(asText(await node.send(["CLIENT", "LIST"])), this.deps.subscriberName);
    const counts = new Map<string, number>();
    for (let i = 0; i < expected.length; i += NUMSUB_BATCH) {
      for (const [channel, n] of numsubOf(await node.send(["PUBSUB", "SHARDNUMSUB", ...expected.slice(i, i + NUMSUB_BATCH)]))) counts.set(channel, n);
    }
    const nobody = expected.filter((c) => (counts.get(c) ?? 0) === 0);
    // Fewer held than expected, more than the channels nobody holds explain: another replica's
    // subscription hides a lost one of ours. Any of them may be it; a random order spreads the
    // probes of a big master over runs (at most maxProbes per run).
    const hidden = held !== undefined && held < expected.length && nobody.length < expected.length - held;
    return { held, suspects: hidden ? [...nobody, ...shuffled(expected.filter((c) => (counts.get(c) ?? 0) > 0))] : nobody };
  }
}
