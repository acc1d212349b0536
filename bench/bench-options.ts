/** What one `npm run bench` does, with defaults that finish in under 10 minutes on 2 cores. */
import { parseArgs } from "node:util";
import type { ViewerKind } from "./load/load-protocol.js";
import { SERVER_KINDS, type ServerKind } from "./servers/server-kinds.js";

export interface BenchOptions {
  /** @default ["ours", "classic", "sharded", "coalesced"] */
  kinds: ServerKind[];
  /**
   * A checkout of an older commit of this server, run as kind `before` (with plain v1 clients),
   * e.g. `git worktree add /work/wt-before ce5ac1e` for issue 10's before/after. @default undefined
   */
  beforeDir?: string;
  /** Tick of the `coalesced` kind (stock sharded + src/engine/write-coalescing.ts). @default 20 */
  coalesceMs: number;
  /**
   * This server's ACK_REPLICAS: `auto` as shipped (a send is acked once the shard's replica has
   * it), or `0` to measure what that replication wait costs.
   * @default "auto"
   */
  ackReplicas: string;
  /** This server's BATCH_TICK_MS. @default 25 (the server's default) */
  batchTickMs: number;
  /**
   * This server's protocol: v1.1 batches (`sdk`, what the SDK speaks, as shipped; senders are the
   * SDK) or v1 (`plain`: every client socket.io-client or a lean viewer without batches). @default "sdk"
   */
  ourClients: "sdk" | "plain";
  /**
   * Viewers: `lean` raw WebSocket viewers that count without decoding (bench/load/lean/lean-viewer.ts),
   * `sdk` the SDK where there are batches (socket.io-client elsewhere), `plain` socket.io-client.
   * @default "lean"
   */
  viewers: ViewerKind;
  /** One lean viewer in this many decodes everything and checks ids, order and the byte scan. @default 50 */
  sampleEvery: number;
  /** Lean viewers other than the sample read at most this often, in batches (bench/load/lean/read-pacer.ts). @default 250 */
  leanReadMs: number;
  /** Cluster sizes compared for Redis bytes per message. @default [3, 6] */
  masters: number[];
  /** @default 1 */
  replicasPerMaster: number;
  /** Chat server replicas per kind. @default 2 */
  replicas: number;
  /** Load processes for viewers. @default 2 */
  loadProcesses: number;
  /** Characters per chat message. @default 80 */
  textLength: number;
  /** Many rooms at a low rate per room (run on every cluster size). */
  rooms: {
    /** @default 100 */
    count: number;
    /** @default 4 */
    viewersPerRoom: number;
    /** Messages per second over all rooms (1 per room with the defaults). @default 100 */
    ratePerSec: number;
    /**
     * The loaded window, and the idle window before it. A multiple of this server's 3 s presence
     * heartbeat, so both windows hold the same number of heartbeats. @default 9000
     */
    windowMs: number;
  };
  /** One hot room (first cluster size only): a ladder of rates to find saturation. */
  hot: {
    /** @default 2000 */
    viewers: number;
    /** Sender connections, spread over the replicas. @default 4 */
    senders: number;
    /** Messages per second, one step each. @default [10, 25, 50, 100, 200, 400] */
    rates: number[];
    /** @default 5000 */
    stepMs: number;
  };
  /** Leave the hot room out. @default false */
  skipHot?: boolean;
  /** Leave the many-rooms scenario out. @default false */
  skipRooms?: boolean;
  /** Where the JSON and the SVG go. @default "bench/results" */
  outDir: string;
  /** Write `--cpu-prof` profiles of this server's replicas in the hot room here. @default undefined */
  cpuProfDir: string | undefined;
}

export const defaultBenchOptions: BenchOptions = {
  kinds: ["ours", "classic", "sharded", "coalesced"],
  coalesceMs: 20,
  ackReplicas: "auto",
  batchTickMs: 25,
  ourClients: "sdk",
  viewers: "lean",
  sampleEvery: 50,
  leanReadMs: 250,
  masters: [3, 6],
  replicasPerMaster: 1,
  replicas: 2,
  loadProcesses: 2,
  textLength: 80,
  rooms: { count: 100, viewersPerRoom: 4, ratePerSec: 100, windowMs: 9_000 },
  hot: { viewers: 2_000, senders: 4, rates: [10, 25, 50, 100, 200, 400], stepMs: 5_000 },
  outDir: "bench/results",
  cpuProfDir: undefined,
};

const HELP = `npm run bench -- [options]
  --kinds ours,classic,sharded,coalesced   servers to compare; also ours-ack0 (ACK_REPLICAS=0),
                                 ours-plain (v1 clients, no batches), ours-nodeflate
                                 (WS_DEFLATE=false), before (needs --before)
  --before DIR                   kind "before": DIR/src/main.ts, a checkout of an older commit
  --coalesce-ms 20               tick of "coalesced" (stock sharded + write coalescing)
  --ack-replicas auto            this server's ACK_REPLICAS (auto as shipped; 0 = no replication wait)
  --batch-tick-ms 25             this server's BATCH_TICK_MS
  --our-clients sdk              this server's protocol: sdk (batches; SDK senders) or plain (v1 clients)
  --viewers-kind lean            viewers: lean (raw WebSocket, counted by a byte scan), sdk (the SDK
                                 where there are batches, socket.io-client elsewhere) or plain (socket.io-client)
  --sample-every 50              one lean viewer in N decodes every packet and checks ids, order, latency
  --lean-read-ms 250             other lean viewers read their sockets at most this often (0: at once)
  --masters 3,6                  cluster sizes (the hot room runs on the first)
  --replicas 2                   chat server replicas per kind
  --hot-viewers 2000  --hot-rates 10,25,50,100,200,400  --hot-step-ms 5000
  --skip-hot / --skip-rooms      leave a scenario out
  --rooms 100  --room-viewers 4  --rooms-rate 100  --rooms-window-ms 9000
  --quick                        a small run (a minute or two) to check the bench itself
  --out bench/results            where results.json and results.svg go
  --cpu-prof DIR                 profile this server's replicas during the hot room (and the many
                                 rooms, in DIR/rooms)
                                 (summarize: node --import tsx bench/profile-summary.ts DIR/*.cpuprofile)
  --render FILE                  only redraw the tables, results.md and the chart of an earlier results.json`;

const list = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);
const nums = (s: string) => list(s).map(Number);

/** Parses the command line over the defaults; throws with the help text on a bad flag. */
export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      kinds: { type: "string" },
      before: { type: "string" },
      "coalesce-ms": { type: "string" },
      "ack-replicas": { type: "string" },
      "batch-tick-ms": { type: "string" },
      "our-clients": { type: "string" },
      "viewers-kind": { type: "string" },
      "sample-every": { type: "string" },
      "lean-read-ms": { type: "string" },
      "skip-hot": { type: "boolean" },
      "skip-rooms": { type: "boolean" },
      masters: { type: "string" },
      replicas: { type: "string" },
      "hot-viewers": { type: "string" },
      "hot-rates": { type: "string" },
      "hot-step-ms": { type: "string" },
      rooms: { type: "string" },
      "room-viewers": { type: "string" },
      "rooms-rate": { type: "string" },
      "rooms-window-ms": { type: "string" },
      quick: { type: "boolean" },
      out: { type: "string" },
      "cpu-prof": { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) throw new Error(HELP);
  const o: BenchOptions = structuredClone(defaultBenchOptions);
  if (values.quick) {
    o.rooms = { count: 20, viewersPerRoom: 3, ratePerSec: 20, windowMs: 6_000 };
    o.hot = { viewers: 300, senders: 2, rates: [10, 40], stepMs: 4_000 };
  }
  if (values.kinds) {
    const kinds = list(values.kinds);
    for (const k of kinds) if (!(SERVER_KINDS as readonly string[]).includes(k)) throw new Error(`unknown kind ${k}\n${HELP}`);
    o.kinds = kinds as ServerKind[];
  }
  if (values.before) o.beforeDir = values.before;
  if (o.kinds.includes("before") && !o.beforeDir) throw new Error(`kind before needs --before DIR\n${HELP}`);
  if (values.masters) o.masters = nums(values.masters);
  if (values["coalesce-ms"]) o.coalesceMs = Number(values["coalesce-ms"]);
  if (values["ack-replicas"]) o.ackReplicas = values["ack-replicas"];
  if (values["batch-tick-ms"]) o.batchTickMs = Number(values["batch-tick-ms"]);
  if (values["our-clients"]) {
    if (values["our-clients"] !== "sdk" && values["our-clients"] !== "plain") throw new Error(`--our-clients sdk|plain\n${HELP}`);
    o.ourClients = values["our-clients"];
  }
  const viewersKind = values["viewers-kind"];
  if (viewersKind) {
    if (!["lean", "sdk", "plain"].includes(viewersKind)) throw new Error(`--viewers-kind lean|sdk|plain\n${HELP}`);
    o.viewers = viewersKind as ViewerKind;
  }
  if (values["sample-every"]) o.sampleEvery = Number(values["sample-every"]);
  if (values["lean-read-ms"]) o.leanReadMs = Number(values["lean-read-ms"]);
  if (values["skip-hot"]) o.skipHot = true;
  if (values["skip-rooms"]) o.skipRooms = true;
  if (values.replicas) o.replicas = Number(values.replicas);
  if (values["hot-viewers"]) o.hot.viewers = Number(values["hot-viewers"]);
  if (values["hot-rates"]) o.hot.rates = nums(values["hot-rates"]);
  if (values["hot-step-ms"]) o.hot.stepMs = Number(values["hot-step-ms"]);
  if (values.rooms) o.rooms.count = Number(values.rooms);
  if (values["room-viewers"]) o.rooms.viewersPerRoom = Number(values["room-viewers"]);
  if (values["rooms-rate"]) o.rooms.ratePerSec = Number(values["rooms-rate"]);
  if (values["rooms-window-ms"]) o.rooms.windowMs = Number(values["rooms-window-ms"]);
  if (values.out) o.outDir = values.out;
  if (values["cpu-prof"]) o.cpuProfDir = values["cpu-prof"];
  const bad = [o.replicas, o.sampleEvery, o.hot.viewers, o.hot.stepMs, o.rooms.count, o.rooms.viewersPerRoom, o.rooms.windowMs, ...o.masters, ...o.hot.rates]
    .some((n) => !Number.isFinite(n) || n <= 0);
  if (bad || !(o.leanReadMs >= 0) || o.masters.length === 0 || o.hot.rates.length === 0) throw new Error(`bad numeric option\n${HELP}`);
  return o;
}
