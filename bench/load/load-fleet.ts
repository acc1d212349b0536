/** The bench side of the load processes: spreads clients over them and merges what they measure. */
import { fileURLToPath } from "node:url";
import { IpcChild } from "../process/ipc-child.js";
import { Histogram } from "./histogram.js";
import type { ClientSpec, ConnectResult, LoadCommand, ReportResult, SendResult } from "./load-protocol.js";

const SCRIPT = fileURLToPath(new URL("./load-process.ts", import.meta.url));

export interface FleetOptions {
  /** Load processes for viewers (senders get one more of their own). @default 2 */
  viewerProcesses: number;
  /** Connections opened at once per process. @default 25 */
  concurrency: number;
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
    private readonly viewers: IpcChild<LoadCommand>[],
    private readonly sender: IpcChild<LoadCommand>,
  ) {}

  /** Forks the processes and connects every client; throws if any client failed to connect or join. */
  static async start(
    viewers: ClientSpec[],
    senders: ClientSpec[],
    options: Partial<FleetOptions>,
    register: (name: string, stop: () => Promise<void>) => void,
  ): Promise<LoadFleet> {
    const n = options.viewerProcesses ?? 2;
    const concurrency = options.concurrency ?? 25;
    const children = Array.from({ length: n + 1 }, () => new IpcChild<LoadCommand>(SCRIPT));
    for (const c of children) register(`load process ${c.pid}`, () => c.kill());
    const fleet = new LoadFleet(children.slice(0, n), children[n]!);
    const results = await Promise.all([
      ...fleet.viewers.map((c, i) =>
        c.call<ConnectResult>(
          { type: "connect", viewers: viewers.filter((_, j) => j % n === i), senders: [], concurrency },
          180_000,
        ),
      ),
      fleet.sender.call<ConnectResult>({ type: "connect", viewers: [], senders, concurrency }, 180_000),
    ]);
    const failed = results.reduce((a, r) => a + r.failed, 0);
    if (failed > 0) {
      const first = results.find((r) => r.firstError)?.firstError;
      throw new Error(`${failed} load clients failed to connect or join (first: ${first})`);
    }
    return fleet;
  }

  /** Connects more viewers, spread over the same processes. */
  async addViewers(viewers: ClientSpec[], concurrency = 25): Promise<void> {
    const n = this.viewers.length;
    const results = await Promise.all(
      this.viewers.map((c, i) =>
        c.call<ConnectResult>(
          { type: "connect", viewers: viewers.filter((_, j) => j % n === i), senders: [], concurrency },
          180_000,
        ),
      ),
    );
    const failed = results.reduce((a, r) => a + r.failed, 0);
    if (failed > 0) throw new Error(`${failed} load clients failed to connect or join (first: ${results.find((r) => r.firstError)?.firstError})`);
  }

  get pids(): number[] {
    return [...this.viewers, this.sender].map((c) => c.pid);
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
    };
    for (const p of parts) {
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
