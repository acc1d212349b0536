/**
 * The bench side of the load processes: spreads clients over them and merges what they measure.
 * Viewers go round-robin over the viewer processes, except lean sample viewers, which get a process
 * of their own that never reads in batches (their receive times are the latencies); senders get one
 * more process.
 */
import { fileURLToPath } from "node:url";
import { IpcChild } from "../process/ipc-child.js";
import { Histogram } from "./histogram.js";
import { CHECKSUM_MODULUS, emptySample } from "./delivery-tally.js";
import type { ClientSpec, ClientTotals, ConnectResult, LoadCommand, ReportResult, SampleTotals, SendResult, ViewerKind } from "./load-protocol.js";

const SCRIPT = fileURLToPath(new URL("./load-process.ts", import.meta.url));

export interface FleetOptions {
  /** Load processes for viewers (senders get one more of their own). @default 2 */
  viewerProcesses: number;
  /** Connections opened at once per process. @default 25 */
  concurrency: number;
  /**
   * Processes holding only counting lean viewers read their sockets at most this often, in batches
   * (bench/load/lean/read-pacer.ts). @default 0 (every read as it comes)
   */
  readEveryMs: number;
}

export interface MergedReport {
  deliveries: number;
  timeline: Map<number, number>;
  cross: Histogram;
  local: Histogram;
  all: Histogram;
  otherEvents: number;
  disconnects: number;
  gaps?: { refills: number; suspectedGaps: number; realGaps: number };
  /** Per viewer kind, over every process. */
  clients: Partial<Record<ViewerKind, ClientTotals>>;
  /** Lean sample viewers' checks, when there are any. */
  sample?: SampleTotals;
}

export interface MergedSend {
  sent: number;
  acked: number;
  errors: Record<string, number>;
  startedAt: number;
  endedAt: number;
  ack: Histogram;
}

export class LoadFleet {
  private constructor(
    /** Every process holding viewers, the sample's included. */
    private readonly viewers: IpcChild<LoadCommand>[],
    /** The process of the lean sample viewers, if there are any. */
    private readonly sampleChild: IpcChild<LoadCommand> | undefined,
    private readonly sender: IpcChild<LoadCommand>,
    private readonly readEveryMs: number,
  ) {}

  /** Forks the processes and connects every client; throws if any client failed to connect or join. */
  static async start(
    viewers: ClientSpec[],
    senders: ClientSpec[],
    options: Partial<FleetOptions>,
    register: (name: string, stop: () => Promise<void>) => void,
  ): Promise<LoadFleet> {
    const n = options.viewerProcesses ?? 2;
    const withSample = viewers.some((v) => v.sample);
    const children = Array.from({ length: n + (withSample ? 2 : 1) }, () => new IpcChild<LoadCommand>(SCRIPT));
    for (const c of children) register(`load process ${c.pid}`, () => c.kill());
    const sender = children.pop()!;
    const fleet = new LoadFleet(children, withSample ? children[n] : undefined, sender, options.readEveryMs ?? 0);
    const concurrency = options.concurrency ?? 25;
    const results = await Promise.all([
      fleet.connectViewers(viewers, concurrency),
      sender.call<ConnectResult>({ type: "connect", viewers: [], senders, concurrency }, 180_000).then((r) => [r]),
    ]);
    LoadFleet.check(results.flat());
    return fleet;
  }

  /** Connects more viewers, spread over the same processes. */
  async addViewers(viewers: ClientSpec[], concurrency = 25): Promise<void> {
    LoadFleet.check(await this.connectViewers(viewers, concurrency));
  }

  private connectViewers(specs: ClientSpec[], concurrency: number): Promise<ConnectResult[]> {
    const counting = this.viewers.filter((c) => c !== this.sampleChild);
    const parts = new Map<IpcChild<LoadCommand>, ClientSpec[]>(this.viewers.map((c) => [c, []]));
    let next = 0;
    for (const spec of specs) {
      const child = spec.sample && this.sampleChild ? this.sampleChild : counting[next++ % counting.length]!;
      parts.get(child)!.push(spec);
    }
    return Promise.all(
      [...parts].map(([child, part]) =>
        child.call<ConnectResult>({ type: "connect", viewers: part, senders: [], concurrency, readEveryMs: this.readEveryMs }, 180_000),
      ),
    );
  }

  private static check(results: ConnectResult[]): void {
    const failed = results.reduce((a, r) => a + r.failed, 0);
    if (failed > 0) throw new Error(`${failed} load clients failed to connect or join (first: ${results.find((r) => r.firstError)?.firstError})`);
  }

  get pids(): number[] {
    return [...this.viewers, this.sender].map((c) => c.pid);
  }

  /** The viewers' processes only (the sample's included, not the senders'). */
  get viewerPids(): number[] {
    return this.viewers.map((c) => c.pid);
  }

  /** Latencies of messages sent before `from` are ignored from now on. */
  async reset(from: number): Promise<void> {
    await Promise.all(this.viewers.map((c) => c.call({ type: "reset", from })));
  }

  send(ratePerSec: number, durationMs: number, textLength: number): Promise<MergedSend> {
    return this.sender
      .call<SendResult>({ type: "send", ratePerSec, durationMs, textLength }, durationMs + 30_000)
      .then((r) => ({ ...r, ack: Histogram.from(r.ack) }));
  }

  async report(): Promise<MergedReport> {
    const parts = await Promise.all(this.viewers.map((c) => c.call<ReportResult>({ type: "report" })));
    const merged: MergedReport = {
      deliveries: 0,
      timeline: new Map(),
      cross: new Histogram(),
      local: new Histogram(),
      all: new Histogram(),
      otherEvents: 0,
      disconnects: 0,
      clients: {},
    };
    for (const p of parts) {
      for (const [kind, t] of Object.entries(p.clients) as [ViewerKind, ClientTotals][]) {
        const m = (merged.clients[kind] ??= { viewers: 0, deliveries: 0, checksum: 0 });
        m.viewers += t.viewers;
        m.deliveries += t.deliveries;
        m.checksum = (m.checksum + t.checksum) % CHECKSUM_MODULUS;
        if (t.wireBytes !== undefined) m.wireBytes = (m.wireBytes ?? 0) + t.wireBytes;
      }
      if (p.sample) {
        const m = (merged.sample ??= emptySample());
        for (const key of Object.keys(m) as (keyof SampleTotals)[]) m[key] += p.sample[key];
      }
      merged.deliveries += p.deliveries;
      merged.disconnects += p.disconnects;
      merged.otherEvents += p.otherEvents;
      if (p.gaps) {
        const g = (merged.gaps ??= { refills: 0, suspectedGaps: 0, realGaps: 0 });
        g.refills += p.gaps.refills;
        g.suspectedGaps += p.gaps.suspectedGaps;
        g.realGaps += p.gaps.realGaps;
      }
      for (const [slot, n] of Object.entries(p.timeline)) {
        merged.timeline.set(Number(slot), (merged.timeline.get(Number(slot)) ?? 0) + n);
      }
      merged.cross.merge(Histogram.from(p.cross));
      merged.local.merge(Histogram.from(p.local));
    }
    merged.all.merge(merged.cross);
    merged.all.merge(merged.local);
    return merged;
  }

  /** Polls until deliveries reach `expected` or stop growing for `quietMs`, at most `maxMs`. */
  async drain(expected: number, quietMs = 1_500, maxMs = 20_000): Promise<MergedReport> {
    const deadline = Date.now() + maxMs;
    let last = await this.report();
    let lastChange = Date.now();
    while (last.deliveries < expected && Date.now() < deadline && Date.now() - lastChange < quietMs) {
      await new Promise((r) => setTimeout(r, 250));
      const now = await this.report();
      if (now.deliveries !== last.deliveries) lastChange = Date.now();
      last = now;
    }
    return last;
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.viewers, this.sender].map(async (c) => {
        await c.call({ type: "close" }, 5_000).catch(() => undefined);
        await c.kill();
      }),
    );
  }
}
