/**
 * Redis-side network bytes over a whole cluster, each byte on the wire counted once:
 * client traffic (`INFO stats` total_net_input_bytes + total_net_output_bytes of every node),
 * replication traffic (total_net_repl_output_bytes: what masters send their replicas), and the
 * cluster bus (bytes sent on every TCP connection to a bus port, from `ss -tin`; Redis 7.0 has no
 * byte counter for the bus). Also counts cluster-bus messages and the nodes' CPU time.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createClient, type RedisClientType } from "redis";
import { TEST_REDIS_PASSWORD } from "../../test/harness/redis-cli.js";
import { totalCpuMs } from "./proc-stats.js";

const run = promisify(execFile);

export interface Traffic {
  clientIn: number;
  clientOut: number;
  replication: number;
  bus: number;
  busMessages: number;
  /** Sum of client, replication and bus bytes. */
  total: number;
  redisCpuMs: number;
}

export interface TrafficSnapshot extends Traffic {
  at: number;
}

function field(info: string, name: string): number {
  const m = new RegExp(`^${name}:(\\d+)`, "m").exec(info);
  return m ? Number(m[1]) : 0;
}

/** Bytes sent on every established TCP socket whose local or peer port is one of `ports`. */
export async function socketBytesSent(ports: number[]): Promise<number> {
  if (ports.length === 0) return 0;
  const filter = ports.map((p) => `sport = :${p} or dport = :${p}`).join(" or ");
  const { stdout } = await run("ss", ["-tinH", "state", "established", `( ${filter} )`], {
    maxBuffer: 64 * 1024 * 1024,
  });
  let sum = 0;
  for (const m of stdout.matchAll(/bytes_sent:(\d+)/g)) sum += Number(m[1]);
  return sum;
}

export class RedisTrafficMeter {
  private constructor(
    private readonly clients: RedisClientType[],
    private readonly busPorts: number[],
    private readonly pids: number[],
  ) {}

  /** Opens one measuring connection per node; its own INFO traffic is the same in every window. */
  static async open(ports: number[], host = "127.0.0.1"): Promise<RedisTrafficMeter> {
    const clients = ports.map((port) => createClient({ url: `redis://${host}:${port}`, password: TEST_REDIS_PASSWORD }) as RedisClientType);
    await Promise.all(clients.map((c) => c.connect()));
    const busPorts: number[] = [];
    const pids: number[] = [];
    for (const c of clients) {
      const info = await c.info("server");
      pids.push(field(info, "process_id"));
      // cluster-port 0 means the default: the client port + 10000.
      const busPort = Number((await c.configGet("cluster-port"))["cluster-port"] ?? 0);
      busPorts.push(busPort > 0 ? busPort : field(info, "tcp_port") + 10_000);
    }
    return new RedisTrafficMeter(clients, busPorts, pids);
  }

  async snapshot(): Promise<TrafficSnapshot> {
    const [infos, clusterInfos, bus, redisCpuMs] = await Promise.all([
      Promise.all(this.clients.map((c) => c.info("stats"))),
      Promise.all(this.clients.map((c) => c.clusterInfo())),
      socketBytesSent(this.busPorts),
      totalCpuMs(this.pids),
    ]);
    const sum = (texts: string[], name: string) => texts.reduce((a, t) => a + field(t, name), 0);
    const clientIn = sum(infos, "total_net_input_bytes");
    const clientOut = sum(infos, "total_net_output_bytes");
    const replication = sum(infos, "total_net_repl_output_bytes");
    return {
      at: Date.now(),
      clientIn,
      clientOut,
      replication,
      bus,
      busMessages: sum(clusterInfos, "cluster_stats_messages_sent"),
      total: clientIn + clientOut + replication + bus,
      redisCpuMs,
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.clients.map((c) => c.close()));
  }
}

export function trafficBetween(a: TrafficSnapshot, b: TrafficSnapshot): Traffic & { ms: number } {
  return {
    ms: b.at - a.at,
    clientIn: b.clientIn - a.clientIn,
    clientOut: b.clientOut - a.clientOut,
    replication: b.replication - a.replication,
    bus: b.bus - a.bus,
    busMessages: b.busMessages - a.busMessages,
    total: b.total - a.total,
    redisCpuMs: b.redisCpuMs - a.redisCpuMs,
  };
}
