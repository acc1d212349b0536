/**
 * `npm run bench:scale`: many idle viewers on one replica (embedded mode, one process), in one
 * room as in a live stream. Reports heap, RSS and the kernel's socket memory per viewer, checks that
 * every viewer is connected (as the load saw it, as the server counts it, and as TCP does), and
 * that a chat message still reaches every one of them.
 *
 *   npm run bench:scale [-- --viewers 50000 --messages 3 --load-processes N --server ours|stock --ws-engine lean|ws]
 *
 * One source address has only ~28k ephemeral ports, so each load process connects from its own
 * loopback address (127.0.0.2, 127.0.0.3, ...). Each connection is one open file in the server:
 * the server is started through `sh -c 'ulimit -n ...; exec node ...'`, and where the hard limit
 * cannot be raised (no CAP_SYS_RESOURCE, as in most containers) the run stops before connecting
 * anyone and says how many viewers this machine allows. Every process it starts is stopped when
 * it ends, fails or is interrupted.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { LoadFleet } from "./load/load-fleet.js";
import { preciseNow } from "./load/message-stamp.js";
import type { ClientSpec } from "./load/load-protocol.js";
import { SOCKET_SLABS, serverSockets, sampleKernel, type KernelSample } from "./measure/kernel-sockets.js";
import { perViewer, sampleMemory, type MemorySample } from "./measure/memory-sample.js";
import { openFilesLimit } from "./measure/proc-stats.js";
import { Cleanup } from "./process/cleanup.js";
import { describeMachine } from "./report/bench-results.js";
import { textTable } from "./report/text-table.js";
import { ServerProcess } from "./servers/server-process.js";

const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
/** Connections per load process: well under one address's ports and a default open-files limit. */
const PER_PROCESS = 8_000;
/** Files the server needs besides its connections (listening socket, pipes, stdio, Node's own). */
const SPARE_FILES = 200;

interface Point {
  viewers: number;
  memory: MemorySample;
  kernel: KernelSample;
}

async function connectedPerServer(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^chat_connections (\d+)/m.exec(text)?.[1] ?? NaN);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      viewers: { type: "string", default: "50000" },
      messages: { type: "string", default: "3" },
      "load-processes": { type: "string" },
      /** `stock`: bench/baselines/stock-server.ts (Socket.IO 4.8, in-memory adapter) for comparison. */
      server: { type: "string", default: "ours" },
      /** This server's WS_ENGINE. */
      "ws-engine": { type: "string", default: "lean" },
      out: { type: "string", default: "bench/results/scale.json" },
    },
  });
  const viewers = Number(values.viewers);
  const messages = Number(values.messages);
  const processes = Number(values["load-processes"] ?? Math.ceil(viewers / PER_PROCESS));
  const cleanup = new Cleanup();
  cleanup.onSignals();
  const started = Date.now();
  try {
    const stock = values.server === "stock";
    if (!stock && values.server !== "ours") throw new Error("--server must be ours or stock");
    const server = stock
      ? await ServerProcess.start({ script: "bench/baselines/stock-server.ts", args: ["--adapter", "memory"], openFiles: viewers + SPARE_FILES, env: {} })
      : await ServerProcess.start({
          script: "src/main.ts",
          args: [],
          openFiles: viewers + SPARE_FILES,
          env: {
            PORT: "0",
            HOST: "127.0.0.1",
            LOG_LEVEL: "info",
            MAX_CONNECTIONS_PER_IP: "1000000",
            RATE_LIMIT_PER_SEC: "1000",
            RATE_LIMIT_BURST: "1000",
            RATE_LIMIT_PER_IP_PER_SEC: "1000000",
            RATE_LIMIT_PER_USER_PER_SEC: "1000000",
            DRAIN_DELAY_MS: "0",
            WS_ENGINE: values["ws-engine"]!,
          },
        });
    cleanup.add(`server ${server.pid}`, () => server.stop());
    const limit = await openFilesLimit(server.pid);
    if (limit < viewers + SPARE_FILES) {
      throw new Error(
        `the server may open ${limit} files (its hard limit could not be raised: that needs CAP_SYS_RESOURCE, ` +
          `i.e. root outside a container, or a higher "ulimit -Hn" from whoever starts the bench), ` +
          `so one replica can hold at most about ${limit - SPARE_FILES} connections here: run with --viewers ${limit - SPARE_FILES} or fewer`,
      );
    }
    log(`server pid ${server.pid} on ${server.url}, open-files limit ${limit}; ${viewers} viewers from ${processes} load processes`);

    // Load process i connects from 127.0.0.(i + 2); LoadFleet gives spec j to process j % processes.
    const spec = (j: number): ClientSpec => ({ url: server.url, replica: 0, rooms: ["stream"], localAddress: `127.0.0.${(j % processes) + 2}` });
    const specs = Array.from({ length: viewers }, (_, j) => spec(j));
    const half = Math.floor(viewers / 2);
    const points: Point[] = [{ viewers: 0, memory: await sampleMemory([server]), kernel: await sampleKernel() }];
    const connectStarted = Date.now();
    const fleet = await LoadFleet.start(specs.slice(0, half), [{ ...spec(0), localAddress: "127.0.0.1" }], { viewerProcesses: processes }, (name, stop) => void cleanup.add(name, stop));
    cleanup.add("load", () => fleet.close());
    log(`${half} viewers connected in ${((Date.now() - connectStarted) / 1000).toFixed(0)} s`);
    await new Promise((r) => setTimeout(r, 3_000));
    points.push({ viewers: half, memory: await sampleMemory([server]), kernel: await sampleKernel() });
    await fleet.addViewers(specs.slice(half));
    const connectSec = (Date.now() - connectStarted) / 1000;
    log(`${viewers} viewers connected in ${connectSec.toFixed(0)} s`);
    await new Promise((r) => setTimeout(r, 3_000));
    points.push({ viewers, memory: await sampleMemory([server]), kernel: await sampleKernel() });

    // Every viewer connected: the load processes threw above if any failed; now the server and TCP
    // (both also count the one sender).
    const counted = stock ? undefined : (await connectedPerServer(server.url)) - 1;
    const tcp = await serverSockets(server.port);
    log(`server counts ${counted ?? "n/a"} connections; TCP: ${tcp.established} established to port ${server.port}`);

    await fleet.reset(preciseNow());
    const sent = await fleet.send(1, messages * 1_000, 80);
    const expected = sent.acked * viewers;
    const report = await fleet.drain(expected, 5_000, 120_000);
    log(`${sent.acked}/${sent.sent} messages acked; ${report.deliveries}/${expected} deliveries`);

    const [, mid, all] = points as [Point, Point, Point];
    const slope = perViewer(mid.memory, all.memory, viewers - half);
    const kernelPer = (k: (s: KernelSample) => number | undefined) => {
      const a = k(all.kernel);
      const b = k(mid.kernel);
      return a === undefined || b === undefined ? undefined : (a - b) / (viewers - half);
    };
    const results = {
      startedAt: new Date(started).toISOString(),
      durationSec: Math.round((Date.now() - started) / 1000),
      machine: describeMachine(),
      server: stock ? "stock" : `ours (WS_ENGINE=${values["ws-engine"]})`,
      viewers,
      loadProcesses: processes,
      openFilesLimit: limit,
      connectSec: Math.round(connectSec),
      connected: { load: viewers, server: counted, tcp: tcp.established },
      perViewer: {
        heapBytes: slope.heapBytesPerViewer,
        rssBytes: slope.rssBytesPerViewer,
        rawRssBytes: slope.rawRssBytesPerViewer,
        /** Whole process from empty to full, divided by the viewers. */
        rssFromEmptyBytes: Math.round((all.memory.rss - points[0]!.memory.rss) / viewers),
        heapFromEmptyBytes: Math.round((all.memory.heapUsed - points[0]!.memory.heapUsed) / viewers),
        /** The server's own sockets' buffers. */
        kernelBufferBytes: Math.round(tcp.bufferBytes / Math.max(1, tcp.established)),
        /** System-wide, both ends of each connection are on this machine. */
        kernelTcpBufferBytesBothEnds: kernelPer((k) => k.tcpBufferBytes),
        kernelTcpSlabBytesBothEnds: kernelPer((k) => k.tcpSlabBytes),
        kernelSocketSlabsBytesBothEnds: kernelPer((k) => k.socketSlabBytes),
      },
      totals: { heapUsed: all.memory.heapUsed, rss: all.memory.rss },
      delivery: {
        sent: sent.sent,
        acked: sent.acked,
        expected,
        delivered: report.deliveries,
        p50Ms: Math.round(report.all.quantile(0.5)),
        p99Ms: Math.round(report.all.quantile(0.99)),
        disconnects: report.disconnects,
      },
    };
    const kb = (b: number | undefined) => (b === undefined ? "n/a" : (b / 1024).toFixed(2));
    const p = results.perViewer;
    console.log(`\n${viewers} idle viewers on one replica of ${stock ? "stock Socket.IO" : "this server"}, one room, ${processes} load processes (${results.durationSec} s)`);
    console.log(
      textTable(
        ["per viewer", "KB"],
        [
          ["heap (slope, half to all, after GC)", kb(p.heapBytes)],
          ["RSS (heap slope + slope outside the V8 heap)", kb(p.rssBytes)],
          ["raw RSS slope", kb(p.rawRssBytes)],
          ["RSS, empty to full / viewers", kb(p.rssFromEmptyBytes)],
          ["kernel: buffers of the server's sockets (ss -m)", kb(p.kernelBufferBytes)],
          ["kernel: TCP buffer pages, system-wide (sockstat mem, both ends)", kb(p.kernelTcpBufferBytesBothEnds)],
          ["kernel: struct tcp_sock, system-wide (slab TCP, both ends)", kb(p.kernelTcpSlabBytesBothEnds)],
          [`kernel: socket objects, system-wide (slabs ${SOCKET_SLABS.join(", ")}; both ends)`, kb(p.kernelSocketSlabsBytesBothEnds)],
        ],
      ),
    );
    const d = results.delivery;
    console.log(
      `connected: ${viewers} by the load, ${counted ?? "n/a"} by the server, ${tcp.established} by TCP; ` +
        `delivery: ${d.delivered}/${d.expected} (${d.acked} messages x ${viewers} viewers), p50 ${d.p50Ms} ms, p99 ${d.p99Ms} ms, ${d.disconnects} disconnects`,
    );
    mkdirSync(dirname(values.out!), { recursive: true });
    writeFileSync(values.out!, JSON.stringify(results, null, 2) + "\n");
    log(`wrote ${values.out}`);
    const ok = (counted === undefined || counted === viewers) && tcp.established >= viewers + 1 && d.delivered === d.expected && d.acked === d.sent && d.disconnects === 0;
    if (!ok) {
      console.error("FAILED: not every viewer connected, or not every message delivered to all of them");
      process.exitCode = 1;
    }
  } finally {
    await cleanup.run();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
