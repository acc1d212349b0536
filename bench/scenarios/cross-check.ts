/**
 * The lean viewers' cross-check: lean viewers and reference viewers (the SDK, or socket.io-client
 * where there are no batches) in the same room at the same time, as many of each, spread over the
 * same replicas. Each kind must count exactly the messages that were acked, once per viewer, and the
 * kinds' stamp checksums (sums of the messages' send times) must be equal: the same deliveries of
 * the same messages. The lean sample's own checks (ids, order, the byte scan) must find nothing.
 */
import { fleetOptions, senderSpec, viewerSpec, type LoadClients } from "../load/client-mix.js";
import { LoadFleet } from "../load/load-fleet.js";
import type { ClientSpec, ClientTotals, SampleTotals, ViewerKind } from "../load/load-protocol.js";
import { preciseNow } from "../load/message-stamp.js";

export interface CrossCheckOptions {
  /** Viewers of each kind. @default 100 */
  viewersPerKind: number;
  /** Messages per second over 2 senders per replica. @default 40 */
  ratePerSec: number;
  /** @default 5000 */
  durationMs: number;
  /** Protocol v1.1 batches (this server): the reference is then the SDK, else socket.io-client. */
  batch: boolean;
  /** One lean viewer in this many is a sample viewer. @default 10 */
  sampleEvery: number;
  /** Lean viewers (not the sample) read at most this often, as in the bench. @default 250 */
  readEveryMs: number;
  /** @default 80 */
  textLength: number;
}

export const defaultCrossCheckOptions: Omit<CrossCheckOptions, "batch"> = {
  viewersPerKind: 100,
  ratePerSec: 40,
  durationMs: 5_000,
  sampleEvery: 10,
  readEveryMs: 250,
  textLength: 80,
};

export interface CrossCheckResult {
  sent: number;
  acked: number;
  /** Per viewer kind: viewers, deliveries, checksum. */
  kinds: Partial<Record<ViewerKind, ClientTotals>>;
  sample?: SampleTotals;
  /** What did not match; empty when the lean viewers counted exactly what the reference did. */
  problems: string[];
}

/** Runs one cross-check against `servers` (URLs of the replicas of one kind). */
export async function runCrossCheck(
  servers: string[],
  options: Partial<CrossCheckOptions> & Pick<CrossCheckOptions, "batch">,
  room: string,
  register: (name: string, stop: () => Promise<void>) => void,
): Promise<CrossCheckResult> {
  const o = { ...defaultCrossCheckOptions, ...options } satisfies CrossCheckOptions;
  const n = servers.length;
  const at = (i: number) => ({ url: servers[i % n]!, replica: i % n, rooms: [room] });
  const reference: ViewerKind = o.batch ? "sdk" : "plain";
  const lean: LoadClients = { viewers: "lean", batch: o.batch, sampleEvery: o.sampleEvery, readEveryMs: o.readEveryMs };
  const viewers: ClientSpec[] = [];
  for (let i = 0; i < o.viewersPerKind; i++) {
    viewers.push(viewerSpec({ ...lean, viewers: reference }, at(i), i, n), viewerSpec(lean, at(i), i, n));
  }
  const senders = Array.from({ length: 2 * n }, (_, i) => senderSpec(lean, at(i)));
  const fleet = await LoadFleet.start(viewers, senders, fleetOptions(lean, 2), register);
  try {
    await fleet.reset(preciseNow());
    const send = await fleet.send(o.ratePerSec, o.durationMs, o.textLength);
    const report = await fleet.drain(send.acked * viewers.length, 3_000, 30_000);
    const kinds = report.clients;
    const problems: string[] = [];
    if (send.acked !== send.sent) problems.push(`${send.sent - send.acked} of ${send.sent} sends not acked (${JSON.stringify(send.errors)})`);
    for (const kind of [reference, "lean"] as const) {
      const t = kinds[kind];
      const expected = send.acked * o.viewersPerKind;
      if (!t || t.viewers !== o.viewersPerKind) problems.push(`${kind}: ${t?.viewers ?? 0} viewers connected of ${o.viewersPerKind}`);
      else if (t.deliveries !== expected) problems.push(`${kind}: ${t.deliveries} deliveries, expected ${expected}`);
    }
    if (kinds.lean && kinds[reference] && kinds.lean.checksum !== kinds[reference]!.checksum) {
      problems.push(`stamp checksums differ: lean ${kinds.lean.checksum}, ${reference} ${kinds[reference]!.checksum}`);
    }
    const s = report.sample;
    if (!s || s.checked === 0) problems.push("the lean sample checked nothing");
    else if (s.gaps + s.duplicates + s.scanMismatches > 0) problems.push(`lean sample: ${s.gaps} gaps, ${s.duplicates} duplicates, ${s.scanMismatches} scan mismatches`);
    if (report.disconnects > 0) problems.push(`${report.disconnects} viewers disconnected`);
    return { sent: send.sent, acked: send.acked, kinds, ...(s ? { sample: s } : {}), problems };
  } finally {
    await fleet.close();
  }
}
