import { EventEmitter } from "node:events";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ClusterTopology } from "./cluster-topology.js";
import { LuaScript } from "./lua-script.js";
import { ReplicatedWrites, type NodeConnection } from "./replicated-writes.js";

/**
 * One Redis master connection, as far as replication goes: commands run in order, each script
 * advances the master's replication offset, and WAIT blocks the connection until the replica has
 * caught up with the offset of the connection's last write, or until its timeout.
 */
class FakeMaster extends EventEmitter implements NodeConnection {
  offset = 0;
  replicaOffset = 0;
  /** Whether the replica applies writes (false: the replication stream is cut). */
  replicating = true;
  connectedReplicas = 1;
  waits = 0;
  private lastWrite = 0;
  private tail: Promise<unknown> = Promise.resolve();

  sendCommand(args: string[]): Promise<unknown> {
    const run = this.tail.then(() => this.execute(args));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The replica applies what it has been sent. */
  sync(): void {
    if (this.replicating) this.replicaOffset = this.offset;
  }

  reconnect(): void {
    this.lastWrite = 0;
    this.emit("connect");
  }

  private async execute(args: string[]): Promise<unknown> {
    const [cmd] = args;
    if (cmd === "EVALSHA" || cmd === "EVAL") {
      this.lastWrite = ++this.offset;
      setImmediate(() => this.sync());
      return "ok";
    }
    if (cmd === "WAIT") {
      this.waits++;
      const target = this.lastWrite;
      const deadline = Date.now() + Number(args[2]);
      while (this.replicaOffset < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      return this.replicaOffset >= target ? this.connectedReplicas : 0;
    }
    if (cmd === "INFO") return `# Replication\r\nrole:master\r\nconnected_slaves:${this.connectedReplicas}\r\n`;
    throw new Error(`unexpected ${cmd}`);
  }
}

const SCRIPT = new LuaScript("return 1");
const ADDRESS = "10.0.0.1:7000";

/** A CLUSTER SHARDS reply (RESP3 shape) with one shard over every slot. */
function shards(master: string, replicaHealth: "online" | "failed" | null) {
  const [ip, port] = master.split(":");
  const nodes: Record<string, unknown>[] = [{ id: "m", port: Number(port), ip, endpoint: ip, role: "master", health: "online" }];
  if (replicaHealth) nodes.push({ id: "r", port: 7001, ip: "10.0.0.2", endpoint: "10.0.0.2", role: "replica", health: replicaHealth });
  return [{ slots: [0, 16383], nodes }];
}

async function setup(options: { replicaHealth?: "online" | "failed" | null; master?: string; timeoutMs?: number } = {}) {
  const node = new FakeMaster();
  let view = shards(options.master ?? ADDRESS, options.replicaHealth === undefined ? "online" : options.replicaHealth);
  const logger = pino({ level: "silent" });
  const topology = new ClusterTopology({ shards: async () => view, logger });
  await topology.refresh();
  const shortfalls: string[] = [];
  const writes = new ReplicatedWrites(
    { route: async () => ({ node, address: ADDRESS, slot: 42 }), topology, logger, onShortfall: (o) => shortfalls.push(o) },
    { replicas: 1, timeoutMs: options.timeoutMs ?? 200 },
  );
  const write = async () => {
    const w = await writes.begin("k");
    await w.run(SCRIPT, ["k"], []);
    return { required: w.required, confirmed: await w.confirm() };
  };
  return { node, writes, write, shortfalls, setView: (v: ReturnType<typeof shards>) => (view = v) };
}

describe("ReplicatedWrites", () => {
  it("confirms a write once the replica has it", async () => {
    const { write, node } = await setup();
    expect(await write()).toEqual({ required: 1, confirmed: true });
    expect(node.waits).toBe(1);
  });

  it("lets writes queued before one WAIT share it (group commit)", async () => {
    const { writes, node } = await setup();
    const started = await Promise.all(Array.from({ length: 8 }, () => writes.begin("k")));
    await Promise.all(started.map((w) => w.run(SCRIPT, ["k"], [])));
    expect((await Promise.all(started.map((w) => w.confirm()))).every(Boolean)).toBe(true);
    expect(node.waits).toBe(1);
  });

  it("refuses a write the replica does not confirm while the shard has a live replica", async () => {
    const { write, node, shortfalls } = await setup();
    node.replicating = false;
    expect(await write()).toEqual({ required: 1, confirmed: false });
    expect(shortfalls).toEqual(["refused"]);
  });

  it("needs no WAIT when the cluster says the shard's replica is gone", async () => {
    const { write, node } = await setup({ replicaHealth: "failed" });
    expect(await write()).toEqual({ required: 0, confirmed: true });
    expect(node.waits).toBe(0);
  });

  it("accepts an unconfirmed write when the master itself has no replica connected, then skips the wait for a while", async () => {
    const { write, node, shortfalls } = await setup();
    node.replicating = false;
    node.connectedReplicas = 0; // the replica just died; the cluster has not marked it failed yet
    expect(await write()).toEqual({ required: 1, confirmed: true });
    expect(shortfalls).toEqual(["degraded"]);
    expect(await write()).toEqual({ required: 0, confirmed: true });
    expect(node.waits).toBe(1);
  });

  it("never accepts an unconfirmed write on a node the other nodes no longer call master", async () => {
    const { write, node, setView, shortfalls } = await setup();
    node.replicating = false;
    node.connectedReplicas = 0; // a resumed old master: its replica left it when it was promoted
    setView(shards("10.0.0.2:7001", null)); // ...and the cluster's view says so
    expect(await write()).toEqual({ required: 1, confirmed: false });
    expect(shortfalls).toEqual(["refused"]);
  });

  it("does not count a WAIT on a new connection as cover for a write made on the old one", async () => {
    const { writes, node } = await setup();
    const w = await writes.begin("k");
    await w.run(SCRIPT, ["k"], []);
    node.reconnect();
    expect(await w.confirm()).toBe(false);
    expect(node.waits).toBe(0);
  });

  it("requires the configured replicas on a node the topology does not know as master", async () => {
    const { write } = await setup({ replicaHealth: "failed", master: "10.9.9.9:7000" });
    expect((await write()).required).toBe(1);
  });
});
