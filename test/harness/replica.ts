/**
 * Chat replicas as separate Node processes (`node --import tsx src/main.ts`), the way they run in
 * production: each learns its port from the server's own "chat server listening" log line.
 */
import { fileURLToPath } from "node:url";
import { spawnHarnessProcess, type ProcessExit } from "./harness-process.js";
import { TEST_REDIS_PASSWORD } from "./redis-cli.js";
import type { OutputLines } from "./output-lines.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
const EXIT_WITH_PARENT = new URL("./exit-with-parent.ts", import.meta.url).href;
/** Read by src/config.ts: not inherited from the shell running the tests, only set explicitly. */
const NOT_INHERITED = [
  "REDIS_URL",
  "REDIS_CLUSTER_NODES",
  "REDIS_PASSWORD",
  "PORT",
  "HOST",
  "AUTH_SECRET",
  "LOG_LEVEL",
  "DATABASE_URL",
  "DATA_DIR",
  "ARCHIVE",
  "ARCHIVE_RETENTION_DAYS",
];

export interface ReplicaOptions {
  /**
   * Server environment on top of PORT, HOST and LOG_LEVEL, e.g. REDIS_CLUSTER_NODES; a value of
   * undefined leaves a variable unset. An embedded replica keeps no archive file (ARCHIVE=off)
   * unless the env names DATA_DIR or ARCHIVE: replicas of different tests must not share one.
   * @default {}
   */
  env: Record<string, string | undefined>;
  /** Interface to bind. @default "127.0.0.1" */
  host: string;
  /** @default 0 (the OS picks) */
  port: number;
  /** @default "info" (the listening line is logged at info) */
  logLevel: string;
  /** @default 30000 (tsx compiles the sources at start; the machine may be busy) */
  startTimeoutMs: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL. @default 15000 */
  stopTimeoutMs: number;
}

const defaults: ReplicaOptions = {
  env: {},
  host: "127.0.0.1",
  port: 0,
  logLevel: "info",
  startTimeoutMs: 30_000,
  stopTimeoutMs: 15_000,
};

export type ReplicaExit = ProcessExit;

export interface Replica {
  /** http://host:port, for socket.io-client and HTTP checks. */
  url: string;
  host: string;
  port: number;
  pid: number;
  /** The replica id the server logged (hostname-pid-random). */
  replicaId: string;
  /** Settles when the process has exited, whoever ended it. */
  exited: Promise<ReplicaExit>;
  /** True while the process has not exited (read synchronously, unlike {@link exited}). */
  running(): boolean;
  /** stdout and stderr lines (pino JSON), for waiting on a log line and for failure messages. */
  output: OutputLines;
  /** The JSON log records so far. */
  logRecords(): Record<string, unknown>[];
  /** Sends a signal (SIGKILL by default: a crash) without waiting. */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM (graceful shutdown), then SIGKILL after `stopTimeoutMs`; resolves with the exit. */
  stop(): Promise<ReplicaExit>;
}

function parseRecord(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Starts one replica and resolves once it listens. */
export async function startReplica(options: Partial<ReplicaOptions> = {}): Promise<Replica> {
  const opts = { ...defaults, ...options } satisfies ReplicaOptions;
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of NOT_INHERITED) delete env[name];
  // Every harness cluster has the same password: a replica on one gets it unless the test says otherwise.
  const redisPassword = opts.env.REDIS_CLUSTER_NODES ? { REDIS_PASSWORD: TEST_REDIS_PASSWORD } : {};
  const archive = "DATA_DIR" in opts.env || "ARCHIVE" in opts.env ? {} : { ARCHIVE: "off" };
  Object.assign(env, { PORT: String(opts.port), HOST: opts.host, LOG_LEVEL: opts.logLevel }, redisPassword, archive, opts.env);

  const { child, output, exited } = spawnHarnessProcess(
    process.execPath,
    ["--import", "tsx", "--import", EXIT_WITH_PARENT, MAIN],
    { cwd: REPO_ROOT, env },
  );

  let listening: { port: number; replicaId: string };
  try {
    listening = await output.waitFor((line) => {
      const record = parseRecord(line);
      if (record?.msg !== "chat server listening" || typeof record.port !== "number") return undefined;
      return { port: record.port, replicaId: String(record.replicaId ?? "") };
    }, opts.startTimeoutMs, exited);
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`chat replica did not start: ${(err as Error).message}\n${output.tail()}`);
  }

  const stop = async (): Promise<ReplicaExit> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const deadline = setTimeout(() => child.kill("SIGKILL"), opts.stopTimeoutMs);
    const exit = await exited;
    clearTimeout(deadline);
    return exit;
  };

  return {
    url: `http://${opts.host}:${listening.port}`,
    host: opts.host,
    port: listening.port,
    pid: child.pid ?? -1,
    replicaId: listening.replicaId,
    exited,
    running: () => child.exitCode === null && child.signalCode === null,
    output,
    logRecords: () => output.lines.map(parseRecord).filter((r) => r !== undefined),
    kill: (signal = "SIGKILL") => {
      child.kill(signal);
    },
    stop,
  };
}

/**
 * Starts `count` replicas at once with the same options (`hosts[i]`, when given, binds replica i:
 * e.g. 127.0.0.2-4 on one port behind the load balancer). If one fails, the others are stopped.
 */
export async function startReplicas(
  count: number,
  options: Partial<ReplicaOptions> & { hosts?: string[] } = {},
): Promise<Replica[]> {
  const { hosts, ...rest } = options;
  const results = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => startReplica({ ...rest, ...(hosts?.[i] ? { host: hosts[i] } : {}) })),
  );
  const started = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await Promise.all(started.map((r) => r.stop()));
    throw failed.reason;
  }
  return started;
}

/** Stops replicas in parallel; for afterAll/finally blocks. */
export async function stopReplicas(replicas: Replica[]): Promise<void> {
  await Promise.all(replicas.map((r) => r.stop()));
}
