/**
 * `npm run bench:archive-postgres`: the PostgreSQL archive (src/archive/postgres/) at the sizes
 * issue #20 names, on a private PostgreSQL with durable settings (fsync on, full page writes),
 * started by the test harness, or on `--url` (then a fresh database is not made: use an empty one).
 *
 *   npm run bench:archive-postgres [-- --big 1000000 --rooms 100 --pages 2000 --seconds 20]
 *
 * 1. Load: a `--big`-entry room (the "1,000,000-message room") and as many entries again spread
 *    over `--rooms` rooms, in batches of 1,000 that are half the big room's (500 in a row) and
 *    half the other rooms' (5 each), as a write-behind sweeping many rooms inserts them: the big
 *    room's rows are not one contiguous run in the table.
 * 2. Write-behind at 1,000 msg/s over 100 rooms for `--seconds`: a batch of 100 entries (one per
 *    room) every 100 ms, and then as fast as one connection goes.
 * 3. Page reads on the big room: pages of 50 before a random id, one reader and 8 at once;
 *    the latest page; a replay range of 100,000 entries streamed in chunks; an erasure.
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import pg from "pg";
import { pino } from "pino";
import type { ArchivedEntry, MessageArchive } from "../src/archive/message-archive.js";
import { openPostgresArchive } from "../src/archive/postgres/postgres-archive.js";
import { encodeMessageId } from "../src/store/message-id.js";
import { startPostgres, type PostgresServerHandle } from "../test/harness/postgres-server.js";
import { roomEntries } from "./archive/archive-entries.js";
import { Histogram } from "./load/histogram.js";
import { textTable } from "./report/text-table.js";

const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const START_MS = Date.UTC(2026, 0, 1);
const BIG = "bench-million";

interface Row {
  what: string;
  count: string;
  rate: string;
  p50: string;
  p99: string;
  max: string;
}
const rows: Row[] = [];
const ms = (n: number) => n.toFixed(2);
const k = (n: number) => Math.round(n).toLocaleString("en-US");

function report(what: string, count: number, seconds: number | undefined, h: Histogram | undefined, unit = "rows/s"): void {
  rows.push({
    what,
    count: k(count),
    rate: seconds === undefined ? "" : `${k(count / seconds)} ${unit}`,
    p50: h ? ms(h.quantile(0.5)) : "",
    p99: h ? ms(h.quantile(0.99)) : "",
    max: h ? ms(h.max) : "",
  });
  log(`${what}: ${JSON.stringify(rows[rows.length - 1])}`);
}

async function timed<T>(h: Histogram, fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const r = await fn();
  h.record(performance.now() - t);
  return r;
}

/** Loads the big room and as many entries over `rooms` other rooms, interleaved; returns batch latencies. */
async function load(archive: MessageArchive, big: number, rooms: number): Promise<Histogram> {
  const h = new Histogram();
  const perRoom = Math.ceil(500 / rooms);
  for (let i = 0; i < big; i += 500) {
    const entries = roomEntries(BIG, START_MS, Math.min(500, big - i), i);
    for (let r = 0; r < rooms; r++) entries.push(...roomEntries(`bench-room-${r}`, START_MS, perRoom, (i / 500) * perRoom));
    await timed(h, () => archive.insert(entries));
    if (i % 100_000 === 0) log(`loaded ${k(i * 2)}`);
  }
  return h;
}

/** One entry per room, `rooms` rooms, at `ms` (seq `seq`). */
function acrossRooms(rooms: number, ms: number, seq: number): ArchivedEntry[] {
  return Array.from({ length: rooms }, (_, r) => ({
    room: `bench-live-${r}`,
    id: encodeMessageId(ms, seq),
    ts: ms,
    kind: "chat" as const,
    text: `live message ${seq}`,
    user: { id: `user-${(seq * rooms + r) % 5000}`, name: "Viewer", role: "viewer" as const },
  }));
}

async function writeBehind(archive: MessageArchive, seconds: number): Promise<void> {
  // Paced: 100 entries (one per room) every 100 ms = 1,000 msg/s.
  const paced = new Histogram();
  const base = Date.now();
  let seq = 0;
  const end = base + seconds * 1000;
  for (let next = base; next < end; next += 100) {
    const wait = next - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await timed(paced, () => archive.insert(acrossRooms(100, base + Math.floor(seq / 10), seq++)));
  }
  report("write-behind at 1,000 msg/s, 100 rooms (batch of 100 per 100 ms)", seq * 100, seconds, paced);
  // Flat out on one connection: how much headroom that rate has.
  const flat = new Histogram();
  const t = performance.now();
  let n = 0;
  while (performance.now() - t < 5_000) {
    await timed(flat, () => archive.insert(acrossRooms(100, base + seconds * 1000 + Math.floor(n / 10), n)));
    n++;
  }
  report("same batches flat out, one connection", n * 100, (performance.now() - t) / 1000, flat);
}

async function pageReads(archive: MessageArchive, big: number, pages: number, readers: number): Promise<Histogram> {
  const h = new Histogram();
  let left = pages;
  await Promise.all(
    Array.from({ length: readers }, async () => {
      while (left-- > 0) {
        const before = encodeMessageId(START_MS + 50 + Math.floor(Math.random() * (big - 50)), 0);
        const page = await timed(h, () => archive.page(BIG, { before, limit: 50 }));
        if (page.entries.length !== 50) throw new Error(`a page of ${page.entries.length}`);
      }
    }),
  );
  return h;
}

async function sizes(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows: r } = await c.query<{ name: string; size: string }>(
      `SELECT relname AS name, pg_size_pretty(pg_total_relation_size(oid)) AS size FROM pg_class
       WHERE relname LIKE 'archive_entries%' ORDER BY relname`,
    );
    return r.map((x) => `${x.name} ${x.size}`);
  } finally {
    await c.end();
  }
}

async function analyze(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query("ANALYZE archive_entries");
  await c.end();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      big: { type: "string", default: "1000000" },
      rooms: { type: "string", default: "100" },
      pages: { type: "string", default: "2000" },
      seconds: { type: "string", default: "20" },
    },
  });
  const big = Number(values.big);
  let server: PostgresServerHandle | undefined;
  let url = values.url;
  if (!url) {
    // Durable, as a production server runs: the inserts pay for their fsyncs.
    server = await startPostgres({ settings: { fsync: "on", full_page_writes: "on", shared_buffers: "256MB" } });
    url = await server.createDatabase("archive_bench");
    log(`private PostgreSQL on port ${server.port}`);
  }
  const { archive } = await openPostgresArchive({ logger: pino({ level: "warn" }) }, { connectionString: url, pool: { maxConnections: 10, queryTimeoutMs: 60_000 } });
  try {
    const rooms = Number(values.rooms);
    log(`loading the ${k(big)}-entry room and as many entries over ${rooms} rooms`);
    let t = performance.now();
    const loaded = await load(archive, big, rooms);
    const total = big + Math.ceil(big / 500) * Math.ceil(500 / rooms) * rooms;
    report(`load ${k(total)} entries (big room + ${rooms} rooms), batches of ~1,000`, total, (performance.now() - t) / 1000, loaded);

    const fresh = await pageReads(archive, big, Number(values.pages), 1);
    report("page of 50 in the big room, right after the load", fresh.count, undefined, fresh);
    await analyze(url); // what autovacuum does within a minute of a load like this one
    const one = await pageReads(archive, big, Number(values.pages), 1);
    report("page of 50 before a random id, big room, 1 reader", one.count, undefined, one);
    const eight = await pageReads(archive, big, Number(values.pages), 8);
    report("page of 50 before a random id, big room, 8 readers", eight.count, undefined, eight);
    const latest = new Histogram();
    for (let i = 0; i < 500; i++) await timed(latest, () => archive.page(BIG, { limit: 50 }));
    report("latest page of 50, big room", latest.count, undefined, latest);

    const from = START_MS + Math.floor(big / 2);
    t = performance.now();
    let streamed = 0;
    for await (const _ of archive.range(BIG, { from, to: from + 100_000, chunkSize: 500 })) streamed++;
    report("replay of a 100 s range of the big room (chunks of 500)", streamed, (performance.now() - t) / 1000, undefined);

    await writeBehind(archive, Number(values.seconds));

    t = performance.now();
    const erased = await archive.eraseUser("user-4242", { upTo: START_MS + big * 10 });
    report(`erase one user (${erased} entries over the rooms)`, erased, undefined, undefined);
    rows[rows.length - 1]!.p50 = ms(performance.now() - t);

    console.log(textTable(["what", "entries", "rate", "p50 ms", "p99 ms", "max ms"], rows.map((r) => [r.what, r.count, r.rate, r.p50, r.p99, r.max])));
    console.log(`sizes: ${(await sizes(url)).join(", ")}`);
    console.log(`load average at the end (1/5/15 min, 2 cores): ${loadavg().map((x) => x.toFixed(1)).join(" / ")}`);
  } finally {
    await archive.close();
    await server?.close();
  }
}

await main();
