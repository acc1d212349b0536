/**
 * The real HAProxy with deploy/haproxy.cfg in front of local replica processes. Only the
 * environment differs from docker-compose.yml: the replicas' name resolves through the harness's
 * DNS responder instead of Docker's, and the ports are free loopback ones.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./free-port.js";
import { makeHarnessDir } from "./harness-dir.js";
import { spawnHarnessProcess } from "./harness-process.js";
import type { OutputLines } from "./output-lines.js";

export const HAPROXY_CONFIG = fileURLToPath(new URL("../../deploy/haproxy.cfg", import.meta.url));
const BACKEND = "chat";

export interface LoadBalancerOptions {
  /** "host:port" of the DNS server that resolves `service`. */
  dnsServer: string;
  /** Port every replica listens on (they differ by address, as containers do). */
  servicePort: number;
  /** Name that resolves to every replica. @default "chat" */
  service: string;
  /** Server slots of the server-template. @default 8 */
  maxReplicas: number;
  /** @default "test-cookie-key" */
  cookieKey: string;
  /** @default deploy/haproxy.cfg */
  configPath: string;
  /** Port clients connect to on 127.0.0.1. @default 0 (a free one) */
  port: number;
  /** @default 20000 */
  startTimeoutMs: number;
}

export interface LbServerState {
  /** Slot name: chat1, chat2, ... */
  name: string;
  /** "ip:port" once resolved. */
  address: string | undefined;
  /** "UP", "UP 1/2" (a transition), "DOWN", "MAINT (resolution)", ... as HAProxy reports it. */
  status: string;
  currentSessions: number;
  totalSessions: number;
}

const defaults: Omit<LoadBalancerOptions, "dnsServer" | "servicePort"> = {
  service: "chat",
  maxReplicas: 8,
  cookieKey: "test-cookie-key",
  configPath: HAPROXY_CONFIG,
  port: 0,
  startTimeoutMs: 20_000,
};

/** One request line of HAProxy's HTTP log (option httplog). */
export interface LbRequest {
  server: string;
  status: number;
  method: string;
  /** Path and query string. */
  uri: string;
}

export interface LoadBalancer {
  /** http://127.0.0.1:port: where clients connect. */
  url: string;
  statsUrl: string;
  output: OutputLines;
  /** The backend's server slots, from the stats CSV. */
  servers(): Promise<LbServerState[]>;
  /** Resolves once exactly `count` servers are UP (resolved, and their /readyz check passed). */
  waitForServers(count: number, timeoutMs?: number): Promise<LbServerState[]>;
  /** Resolves with the server slots once `predicate` holds for them; `what` names it in the timeout error. */
  waitUntilServers(predicate: (servers: LbServerState[]) => boolean, what: string, timeoutMs?: number): Promise<LbServerState[]>;
  /** Requests logged so far (logged when the response starts, so WebSockets appear at once). */
  requests(): LbRequest[];
  stop(): Promise<void>;
}

// 127.0.0.1:41234 [22/Nov/2026:12:00:00.000] chat_in chat/chat1 0/0/0/1/+1 200 +312 - - ---- ... "GET /socket.io/?EIO=4 HTTP/1.1"
const LOG_LINE = /^\S+ \[[^\]]+\] \S+ ([^/\s]+)\/(\S+) \S+ (-?\d+) .*"(\S+) (\S+) [^"]*"$/;

function parseCsv(csv: string): Record<string, string>[] {
  const [header, ...rows] = csv.trim().split("\n");
  const columns = (header ?? "").replace(/^# /, "").split(",");
  return rows.map((row) => {
    const cells = row.split(",");
    return Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? ""]));
  });
}

/** The backend's server slots, from the stats page's CSV (`statsUrl` ends in /stats). */
export async function readLbServers(statsUrl: string): Promise<LbServerState[]> {
  const response = await fetch(`${statsUrl};csv`);
  if (!response.ok) throw new Error(`haproxy stats: HTTP ${response.status}`);
  return parseCsv(await response.text())
    .filter((r) => r.pxname === BACKEND && r.svname !== "BACKEND" && r.svname !== "FRONTEND")
    .map((r) => ({
      name: r.svname ?? "",
      address: r.addr || undefined,
      status: r.status ?? "",
      currentSessions: Number(r.scur),
      totalSessions: Number(r.stot),
    }));
}

/** Resolves with the server slots once `predicate` holds for them; `what` names it in the timeout error. */
export async function waitUntilLbServers(
  statsUrl: string,
  predicate: (servers: LbServerState[]) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<LbServerState[]> {
  // HAProxy reports state changes only as log text: poll the stats CSV, bounded by the deadline.
  const until = Date.now() + timeoutMs;
  for (;;) {
    const all = await readLbServers(statsUrl);
    if (predicate(all)) return all;
    if (Date.now() > until) {
      throw new Error(`waited ${timeoutMs} ms for ${what}; have: ${all.map((s) => `${s.name} ${s.address ?? "-"} ${s.status}`).join("; ")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resolves with the servers UP once exactly `count` are (resolved, and their /readyz check passed). */
export async function waitForLbServersUp(statsUrl: string, count: number, timeoutMs?: number): Promise<LbServerState[]> {
  // "UP 1/2" is a fresh slot not checked yet, or one whose check just failed: not ready.
  const isUp = (s: LbServerState) => s.status === "UP";
  const all = await waitUntilLbServers(statsUrl, (list) => list.filter(isUp).length === count, `${count} servers UP`, timeoutMs);
  return all.filter(isUp);
}

/** Requests of the chat backend in HAProxy's log lines (option httplog), e.g. a container's `docker logs`. */
export function parseLbRequests(lines: string[]): LbRequest[] {
  return lines.flatMap((line) => {
    const m = LOG_LINE.exec(line);
    if (!m || m[1] !== BACKEND) return [];
    return [{ server: m[2] ?? "", status: Number(m[3]), method: m[4] ?? "", uri: m[5] ?? "" }];
  });
}

/** Starts haproxy in the foreground and resolves once its stats page answers. */
export async function startLoadBalancer(
  options: Partial<LoadBalancerOptions> & Pick<LoadBalancerOptions, "dnsServer" | "servicePort">,
): Promise<LoadBalancer> {
  const opts = { ...defaults, ...options } satisfies LoadBalancerOptions;
  const dir = makeHarnessDir("lb");
  const port = opts.port || (await freePort());
  const statsPort = await freePort();
  const env = {
    ...process.env,
    LB_BIND: `127.0.0.1:${port}`,
    LB_STATS_BIND: `127.0.0.1:${statsPort}`,
    LB_DNS_SERVER: opts.dnsServer,
    LB_COOKIE_KEY: opts.cookieKey,
    CHAT_SERVICE: opts.service,
    CHAT_PORT: String(opts.servicePort),
    CHAT_MAX_REPLICAS: String(opts.maxReplicas),
  };
  // -db: foreground, logs on stdout; -p: a pid file inside the harness dir, for the orphan reaper.
  const { child, output, exited } = spawnHarnessProcess(
    "haproxy",
    ["-f", opts.configPath, "-db", "-p", join(dir.path, "haproxy.pid")],
    { env, maxLines: 20_000 },
  );
  let running = true;
  void exited.then(() => (running = false));

  const stop = async () => {
    child.kill("SIGTERM");
    const deadline = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(deadline);
    dir.remove();
  };

  const statsUrl = `http://127.0.0.1:${statsPort}/stats`;
  const servers = () => readLbServers(statsUrl);
  const waitUntilServers = (predicate: (servers: LbServerState[]) => boolean, what: string, timeoutMs?: number) =>
    waitUntilLbServers(statsUrl, predicate, what, timeoutMs);

  // HAProxy has no readiness signal on stdout: poll its stats page, bounded by the deadline.
  const deadline = Date.now() + opts.startTimeoutMs;
  for (;;) {
    if (!running) {
      await stop();
      throw new Error(`haproxy exited at start:\n${output.tail()}`);
    }
    if (await servers().then(() => true, () => false)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`haproxy not up within ${opts.startTimeoutMs} ms:\n${output.tail()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    url: `http://127.0.0.1:${port}`,
    statsUrl,
    output,
    servers,
    waitUntilServers,
    waitForServers: (count, timeoutMs) => waitForLbServersUp(statsUrl, count, timeoutMs),
    requests: () => parseLbRequests(output.lines),
    stop,
  };
}
