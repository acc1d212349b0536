/**
 * `npm run bench:archive-e2e`: the write-behind end to end (issue #20). A private Redis Cluster,
 * a private PostgreSQL (durable: fsync on) and 2 chat replicas with DATABASE_URL, all started
 * here; clients send `--rate` msg/s over `--rooms` rooms through both replicas.
 *
 *   npm run bench:archive-e2e [-- --rate 1000 --rooms 100 --seconds 15 --down-seconds 10] [-- --no-archive]
 *
 * 1. Database up for `--seconds`: ack latency (send to ack) and archive lag (ack to the entry
 *    being in PostgreSQL, polled every 50 ms straight from the table: a room's newest archived
 *    id covers every older id of the room, as the sweeper archives a room in id order).
 * 2. Database stopped for `--down-seconds`, same load: ack latency (the send path must not care).
 * 3. Database started again: how long until every acked message is archived.
 *
 * `--no-archive`: the same load on replicas without DATABASE_URL (no marks, no sweepers), phase 1
 * only: what the write-behind costs the ack.
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import pg from "pg";
import { startPostgres } from "../test/harness/postgres-server.js";
import { startRedisCluster } from "../test/harness/redis-cluster.js";
import { startReplica, type Replica } from "../test/harness/replica.js";
import { connectClient, join, sendChat, uniqueId, type ChatClient } from "../test/support/clients.js";
import { FAST, TEST_SECRET } from "../test/support/embedded-server.js";
import { Histogram } from "./load/histogram.js";
import { textTable } from "./report/text-table.js";

const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (h: Histogram, q: number) => (h.count === 0 ? "" : h.quantile(q).toFixed(1));
const ROOMS_PER_SOCKET = 5;

interface Pending {
  id: string;
  ackAt: number;
}

class Load {
  /** Ack latencies of the current phase (replaced at each phase's start). */
  acks = new Histogram();
  readonly pending = new Map<string, Pending[]>();
  sent = 0;
  failed = 0;
  private timer: NodeJS.Timeout | undefined;
  private inflight = new Set<Promise<void>>();

  constructor(
    private readonly sockets: ChatClient[],
    private readonly rooms: string[],
  ) {
    for (const room of rooms) this.pending.set(room, []);
  }

  /** `rate` msg/s in ticks of 10 ms, round robin over the rooms; each room's sender is fixed. */
  start(rate: number): void {
    let n = 0;
    const perTick = rate / 100;
    let owed = 0;
    this.timer = setInterval(() => {
      owed += perTick;
      for (; owed >= 1; owed--, n++) {
        const r = n % this.rooms.length;
        const room = this.rooms[r]!;
        const socket = this.sockets[Math.floor(r / ROOMS_PER_SOCKET)]!;
        const t = performance.now();
        this.sent++;
        const p = sendChat(socket, room, `m${n}`, { clientId: uniqueId("e2e") }).then(
          (ack) => {
            if (!ack.ok) return void this.failed++;
            this.acks.record(performance.now() - t);
            this.pending.get(room)!.push({ id: ack.id, ackAt: Date.now() });
          },
          () => void this.failed++,
        );
        this.inflight.add(p);
        void p.finally(() => this.inflight.delete(p));
      }
    }, 10);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.inflight);
  }

  /** Acked entries not yet seen in the archive. */
  waiting(): number {
    let n = 0;
    for (const list of this.pending.values()) n += list.length;
    return n;
  }
}

/** CPU seconds (user + system) a process used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
}

/** Polls each room's newest archived id; every pending ack at or below it is archived (lag = now - ack). */
async function pollArchive(db: pg.Client, load: Load, rooms: string[], lag: Histogram | undefined): Promise<void> {
  const { rows } = await db.query<{ room: string; id: string | null }>(
    "SELECT r AS room, (SELECT id FROM archive_entries WHERE room = r ORDER BY id DESC LIMIT 1) AS id FROM unnest($1::text[]) AS r",
    [rooms],
  );
  const now = Date.now();
  for (const { room, id } of rows) {
    if (id === null) continue;
    const list = load.pending.get(room)!;
    const left = list.filter((p) => p.id > id);
    if (lag) for (const p of list) if (p.id <= id) lag.record(now - p.ackAt);
    load.pending.set(room, left);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: "string", default: "1000" },
      rooms: { type: "string", default: "100" },
      seconds: { type: "string", default: "15" },
      "down-seconds": { type: "string", default: "10" },
      "no-archive": { type: "boolean", default: false },
    },
  });
  const rate = Number(values.rate);
  const roomCount = Number(values.rooms);
  const [cluster, postgres] = await Promise.all([
    startRedisCluster(),
    // Durable, as a production server runs: the sweepers' inserts pay for their fsyncs.
    startPostgres({ settings: { fsync: "on", full_page_writes: "on", shared_buffers: "256MB" } }),
  ]);
  const replicas: Replica[] = [];
  const sockets: ChatClient[] = [];
  const db = new pg.Client({ connectionString: await postgres.createDatabase("archive_e2e") });
  try {
    const archiving = !values["no-archive"];
    const env = { REDIS_CLUSTER_NODES: cluster.seeds, DATABASE_URL: archiving ? postgres.url("archive_e2e") : undefined, AUTH_SECRET: TEST_SECRET, ...FAST };
    for (let i = 0; i < 2; i++) replicas.push(await startReplica({ env }));
    log(`cluster ${cluster.seeds}, PostgreSQL on ${postgres.port}, replicas ${replicas.map((r) => r.port).join(", ")}`);
    await db.connect();
    const rooms = Array.from({ length: roomCount }, (_, i) => `e2e-${i}`);
    for (let s = 0; s * ROOMS_PER_SOCKET < rooms.length; s++) {
      const socket = await connectClient(replicas[s % 2]!.url);
      sockets.push(socket);
      for (const room of rooms.slice(s * ROOMS_PER_SOCKET, (s + 1) * ROOMS_PER_SOCKET)) if (!(await join(socket, room)).ok) throw new Error(`join ${room} failed`);
    }
    // The archive's tables exist once a replica opened it.
    for (let i = 0; archiving; i++) {
      const { rows } = await db.query<{ t: string | null }>("SELECT to_regclass('archive_entries') AS t");
      if (rows[0]!.t) break;
      if (i > 100) throw new Error("the replicas never migrated the archive");
      await sleep(100);
    }

    const cpuAtStart = replicas.map((r) => cpuSeconds(r.pid));
    const load = new Load(sockets, rooms);
    log(`warm-up: ${rate} msg/s over ${roomCount} rooms for 3 s`);
    load.start(rate);
    const warm = Date.now() + 3_000;
    while (Date.now() < warm) {
      if (archiving) await pollArchive(db, load, rooms, undefined);
      await sleep(50);
    }
    const lag = new Histogram();
    const sentBefore = load.sent;
    const failedBefore0 = load.failed;
    load.acks = new Histogram();
    log(`database up for ${values.seconds} s`);
    const upUntil = Date.now() + Number(values.seconds) * 1000;
    while (Date.now() < upUntil) {
      if (archiving) await pollArchive(db, load, rooms, lag);
      await sleep(50);
    }
    const upSent = load.sent - sentBefore;
    const cpu = replicas.map((r, i) => (cpuSeconds(r.pid) - cpuAtStart[i]!).toFixed(1)).join(" + ");
    const cpuLine = `replicas' CPU over warm-up and the first phase (${3 + Number(values.seconds)} s): ${cpu} s`;
    const upFailed = load.failed - failedBefore0;
    const upHist = load.acks;
    if (!archiving) {
      await load.stop();
      await db.end();
      console.log(textTable(["phase", "sent", "ack failures", "ack p50 ms", "ack p99 ms", "ack max ms"], [[`no archive, ${rate} msg/s, ${roomCount} rooms`, upSent, upFailed, ms(upHist, 0.5), ms(upHist, 0.99), upHist.max.toFixed(1)]]));
      console.log(cpuLine);
      console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(" ")} (2 cores, shared: the machine is contended)`);
      return;
    }

    log(`database stopped for ${values["down-seconds"]} s`);
    await db.end();
    await postgres.stop();
    load.acks = new Histogram();
    const downSent0 = load.sent;
    const failedBefore = load.failed;
    await sleep(Number(values["down-seconds"]) * 1000);
    const downSent = load.sent - downSent0;
    const downHist = load.acks;
    await postgres.start();
    const restartedAt = Date.now();
    await load.stop();
    const downFailed = load.failed - failedBefore;
    const db2 = new pg.Client({ connectionString: postgres.url("archive_e2e") });
    await db2.connect();
    const backlog = load.waiting();
    while (load.waiting() > 0 && Date.now() - restartedAt < 120_000) {
      await pollArchive(db2, load, rooms, undefined);
      await sleep(100);
    }
    const catchUp = (Date.now() - restartedAt) / 1000;
    await db2.end();

    console.log(
      textTable(
        ["phase", "sent", "ack failures", "ack p50 ms", "ack p99 ms", "ack max ms", "lag p50 ms", "lag p99 ms", "lag max ms"],
        [
          [`database up, ${rate} msg/s, ${roomCount} rooms`, upSent, upFailed, ms(upHist, 0.5), ms(upHist, 0.99), upHist.max.toFixed(1), ms(lag, 0.5), ms(lag, 0.99), lag.max.toFixed(0)],
          [`database stopped (${values["down-seconds"]} s)`, downSent, downFailed, ms(downHist, 0.5), ms(downHist, 0.99), downHist.max.toFixed(1), "", "", ""],
        ],
      ),
    );
    console.log(`\nafter the restart: ${backlog} acked entries waited; ${load.waiting() === 0 ? "all archived" : `${load.waiting()} STILL MISSING`} ${catchUp.toFixed(1)} s after PostgreSQL started (the sweepers' backoff is up to 30 s)`);
    console.log(cpuLine);
    for (const [i, r] of replicas.entries()) {
      const bad = r.logRecords().filter((rec) => Number(rec.level) >= 50);
      if (!r.running() || bad.length > 0) console.log(`replica ${i}: ${r.running() ? "running" : "EXITED"}; errors logged: ${bad.length}${bad.length > 0 ? `, first: ${JSON.stringify(bad[0]).slice(0, 400)}` : ""}`);
      if (!r.running()) console.log(r.output.tail(15));
    }
    console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(" ")} (2 cores, shared: the machine is contended)`);
  } finally {
    for (const s of sockets) s.close();
    await Promise.all(replicas.map((r) => r.stop()));
    await cluster.stop();
    await postgres.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
