/**
 * Issue "delivery", fault 2: the master of a busy room freezes (SIGSTOP) past the cluster's node
 * timeout, its replica is promoted, then the old master resumes (SIGCONT). While frozen, the old
 * master still has writes queued in its sockets; on resuming it runs them before it learns it was
 * replaced, and they vanish when it resyncs as a replica. None of them may have been acked: a send
 * is acked only once the shard's replica confirmed it, which a replaced master cannot get.
 * Sends go on before, during and after; at the end every acked message is stored exactly once.
 * Own cluster: it freezes a node.
 */
import { expect, it } from "vitest";
import { hashSlot } from "../../src/redis/hash-slot.js";
import { roomChannel } from "../../src/store/redis/room-channel.js";
import { parseClusterNodes } from "../harness/redis-cli.js";
import { until } from "../support/clients.js";
import { useFaultCluster } from "../support/fault-cluster.js";
import { SendLoop, expectStoredExactlyOnce } from "../support/fault-traffic.js";

const setup = useFaultCluster(2);
let frozen: number | undefined;
setup.onTeardown(() => frozen !== undefined && setup.cluster().resumeNode(frozen));

/** The port of the master serving `slot`, as node `askPort` sees it (never ask the frozen node). */
async function masterVia(askPort: number, slot: number): Promise<number | undefined> {
  const nodes = parseClusterNodes(await setup.cluster().cli(askPort, "CLUSTER", "NODES"));
  return nodes.find((n) => n.role === "master" && !n.failing && n.slots.some(([a, b]) => slot >= a && slot <= b))?.port;
}

it("acks nothing a frozen, replaced master ran after resuming: 0 acked lost, 0 stored twice", { timeout: 150_000 }, async () => {
  const cluster = setup.cluster();
  const room = `freeze-${process.pid}`;
  const slot = hashSlot(roomChannel(room));
  const victim = (await cluster.masterFor(slot)).port;
  const witness = cluster.nodes.find((n) => n.port !== victim)!.port;

  const loop = new SendLoop(await setup.joinedClients(room), room, { pauseMs: 50 }).start();
  await until(() => loop.acked.size >= 20, 20_000, "traffic before the freeze");

  cluster.pauseNode(victim);
  frozen = victim;
  const frozenAt = Date.now();
  // Frozen past the node timeout: the replica takes over.
  for (;;) {
    const master = await masterVia(witness, slot).catch(() => undefined);
    if (master !== undefined && master !== victim) break;
    if (Date.now() - frozenAt > 30_000) throw new Error("no failover within 30 s of the freeze");
    await new Promise((r) => setTimeout(r, 100)); // the cluster has no event to await
  }
  const promotedAfter = Date.now() - frozenAt;
  const ackedWhileFrozen = loop.acked.size;
  // Resumed at once: retries still queued on it (within their deadline) now run there, on a master
  // that does not know yet that it was replaced.
  cluster.resumeNode(victim);
  frozen = undefined;
  const resumedAt = Date.now();
  await until(() => loop.acked.size >= ackedWhileFrozen + 40, 30_000, "sends acked after the resume");
  await loop.stop();
  await cluster.waitUntilHealthy(30_000);

  await expectStoredExactlyOnce(cluster.seeds, room, loop.acked);
  expect(loop.failures, "some sends were refused or timed out while the master was frozen").toBeGreaterThan(0);
  const ackGap = loop.firstAckAfter(frozenAt);
  expect(ackGap, "sends ack again within 10 s of the freeze").toBeLessThan(10_000);
  console.log(
    `freeze: promoted after ${promotedAfter} ms, first ack after the freeze ${ackGap} ms, after the resume ${loop.firstAckAfter(resumedAt)} ms; ` +
      `${loop.acked.size} acked, ${loop.failures} retried sends`,
  );
});
