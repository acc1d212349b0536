/**
 * Issue "delivery", fault 1: the replication stream from a room's master to its replica is cut (a
 * loopback DROP of that one TCP connection: the master keeps sending into the void and neither side
 * notices for a minute), messages are sent, then the master is SIGKILLed and its replica, which
 * never got them, takes over. An ok ack must mean the message survives that: during the cut no
 * send is acked (they fail `unavailable`), and the clients' retries with the same clientId store
 * each message exactly once on the new master. Own cluster: it kills a node.
 */
import { expect, it } from "vitest";
import { roomChannel } from "../../src/store/redis/room-channel.js";
import { dropLoopbackTcp } from "../harness/loopback-drop.js";
import { sendChat, uniqueId, type ChatClient } from "../support/clients.js";
import { useFaultCluster } from "../support/fault-cluster.js";
import { expectStoredExactlyOnce } from "../support/fault-traffic.js";

const setup = useFaultCluster(2);

it("acks nothing the replica lacks: replication cut, then master SIGKILL, loses no acked message and stores none twice", { timeout: 120_000 }, async () => {
  const cluster = setup.cluster();
  const room = `cut-${process.pid}`;
  const master = await cluster.masterFor(roomChannel(room));
  const replicaLink = /addr=[\d.]+:(\d+)/.exec(await cluster.cli(master.port, "CLIENT", "LIST", "TYPE", "replica"));
  expect(replicaLink, "the master has its replica connected").not.toBeNull();

  const senders = await setup.joinedClients(room);
  const acked = new Map<string, string>(); // text -> id
  const send = async (text: string, clientId: string, via: ChatClient) => {
    const ack = await sendChat(via, room, text, { clientId }).catch(() => null);
    if (ack?.ok) acked.set(text, ack.id);
    return ack;
  };

  for (let i = 0; i < 5; i++) expect((await send(`before ${i}`, uniqueId("b"), senders[i % 2]!))?.ok).toBe(true);

  const drop = await dropLoopbackTcp(master.port, Number(replicaLink![1]));
  setup.onTeardown(() => drop.remove());
  const cut = Array.from({ length: 20 }, (_, i) => ({ text: `during cut ${i}`, clientId: uniqueId("cut") }));
  const duringCut = await Promise.all(cut.map((m, i) => send(m.text, m.clientId, senders[i % 2]!)));
  expect(duringCut.filter((a) => a?.ok), "no send is acked while its replica cannot have it").toEqual([]);
  expect(duringCut.every((a) => a !== null && !a.ok && a.error.code === "unavailable")).toBe(true);

  await cluster.killNode(master.port, "SIGKILL");
  // The clients retry with the same clientIds, to either replica, until acked (bounded).
  const deadline = Date.now() + 40_000;
  for (const [i, m] of cut.entries()) {
    while (!acked.has(m.text)) {
      if (Date.now() > deadline) throw new Error(`"${m.text}" not acked within 40 s of the kill`);
      const ack = await send(m.text, m.clientId, senders[(i + 1) % 2]!);
      if (!ack?.ok) await new Promise((r) => setTimeout(r, 200)); // a client's retry backoff
    }
  }

  await drop.remove();
  await expectStoredExactlyOnce(cluster.seeds, room, acked);
  expect(acked.size).toBe(25);
});
