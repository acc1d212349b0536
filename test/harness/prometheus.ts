/**
 * The real Prometheus (Debian's `prometheus` package) with deploy/prometheus/prometheus.yml and its
 * rules, scraping local replica processes. Only the discovery differs from docker-compose.yml:
 * Prometheus resolves names with the system resolver, which cannot be pointed at the harness's DNS
 * responder, so the `chat` job reads a target file (file_sd) that `setTargets()` rewrites. The
 * intervals are shorter, so a test sees a scrape within a second or two.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { freePort } from "./free-port.js";
import { makeHarnessDir } from "./harness-dir.js";
import { spawnHarnessProcess } from "./harness-process.js";
import type { OutputLines } from "./output-lines.js";
import type { Replica } from "./replica.js";

export const PROMETHEUS_CONFIG = fileURLToPath(new URL("../../deploy/prometheus/prometheus.yml", import.meta.url));
/** The job of the chat replicas in deploy/prometheus/prometheus.yml (the alert rules select it). */
export const CHAT_JOB = "chat";

export interface PrometheusOptions {
  /** "host:port" of each replica's /metrics (its METRICS_PORT). @default [] */
  targets: string[];
  /** Seconds between scrapes, and between rule evaluations. @default 1 */
  intervalSec: number;
  /** @default "127.0.0.1" */
  host: string;
  /** Port of the web UI and HTTP API. @default 0 (a free one) */
  port: number;
  /** @default deploy/prometheus/prometheus.yml */
  configPath: string;
  /** @default 30000 */
  startTimeoutMs: number;
}

const defaults: PrometheusOptions = {
  targets: [],
  intervalSec: 1,
  host: "127.0.0.1",
  port: 0,
  configPath: PROMETHEUS_CONFIG,
  startTimeoutMs: 30_000,
};

/** One series of an instant query's vector result. */
export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

export interface PromTarget {
  job: string;
  instance: string;
  health: "up" | "down" | "unknown";
  lastError: string;
}

export interface PromRuleGroup {
  name: string;
  file: string;
  rules: { name: string; type: "alerting" | "recording"; health: string; state?: string }[];
}

export interface Prometheus {
  /** http://host:port: the UI, and the HTTP API under /api/v1. */
  url: string;
  output: OutputLines;
  /** Replaces the chat job's targets; Prometheus notices the file within a second. */
  setTargets(targets: string[]): void;
  /** An instant query; rejects with Prometheus's own error (a bad expression, an unknown function). */
  query(expr: string): Promise<PromSample[]>;
  /** Resolves with the query's samples once `predicate` holds for them; `what` names it in the timeout error. */
  waitForQuery(expr: string, predicate: (samples: PromSample[]) => boolean, what: string, timeoutMs?: number): Promise<PromSample[]>;
  /** The active targets of every job (/api/v1/targets). */
  targets(): Promise<PromTarget[]>;
  /** The rule groups loaded (/api/v1/rules). */
  ruleGroups(): Promise<PromRuleGroup[]>;
  stop(): Promise<void>;
}

interface ScrapeJob {
  job_name: string;
  dns_sd_configs?: unknown;
  file_sd_configs?: unknown;
  static_configs?: { targets: string[] }[];
}

interface LocalConfig {
  /** Absolute path of the target file of the chat job. */
  targetsFile: string;
  intervalSec: number;
  /** "host:port" Prometheus listens on (its own job scrapes it). */
  listen: string;
}

/**
 * deploy/prometheus/prometheus.yml (given as text, read from `configPath`) made to run on this
 * machine: the chat job reads `targetsFile`, rule files are absolute, the intervals are short.
 */
export function localPrometheusConfig(text: string, configPath: string, local: LocalConfig): string {
  const config = parse(text) as {
    global?: Record<string, unknown>;
    rule_files?: string[];
    scrape_configs?: ScrapeJob[];
  };
  const interval = `${local.intervalSec}s`;
  config.global = { ...config.global, scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval };
  config.rule_files = (config.rule_files ?? []).map((file) => resolve(dirname(configPath), file));
  const jobs = config.scrape_configs ?? [];
  const chat = jobs.find((job) => job.job_name === CHAT_JOB);
  if (!chat?.dns_sd_configs) throw new Error(`${configPath}: no "${CHAT_JOB}" job with dns_sd_configs to replace`);
  delete chat.dns_sd_configs;
  chat.file_sd_configs = [{ files: [local.targetsFile], refresh_interval: interval }];
  for (const job of jobs) {
    if (job.job_name === "prometheus") job.static_configs = [{ targets: [local.listen] }];
  }
  return stringify(config);
}

/** "host:port" of a replica's /metrics: started with METRICS_PORT, it logs the port it bound. */
export function metricsTarget(replica: Replica): string {
  const listening = replica.logRecords().find((r) => r.msg === "chat server listening");
  if (typeof listening?.metricsPort !== "number") throw new Error(`replica ${replica.replicaId} serves no METRICS_PORT`);
  return `${replica.host}:${listening.metricsPort}`;
}

interface ApiResponse<T> {
  status: "success" | "error";
  data: T;
  errorType?: string;
  error?: string;
}

async function api<T>(url: string): Promise<T> {
  const response = await fetch(url);
  const body = (await response.json()) as ApiResponse<T>;
  if (body.status !== "success") throw new Error(`prometheus ${body.errorType ?? response.status}: ${body.error ?? "no error text"}`);
  return body.data;
}

/** Starts Prometheus in the foreground and resolves once it is ready to answer queries. */
export async function startPrometheus(options: Partial<PrometheusOptions> = {}): Promise<Prometheus> {
  const opts = { ...defaults, ...options } satisfies PrometheusOptions;
  const dir = makeHarnessDir("prometheus");
  const targetsFile = join(dir.path, "chat-targets.json");
  const setTargets = (targets: string[]) => {
    // Written whole and renamed: Prometheus watches the file and must never read half of it.
    writeFileSync(`${targetsFile}.tmp`, JSON.stringify([{ targets, labels: {} }]));
    renameSync(`${targetsFile}.tmp`, targetsFile);
  };
  setTargets(opts.targets);
  const source = readFileSync(opts.configPath, "utf8");

  // The port is chosen before Prometheus binds it: another process may take it meanwhile; retry.
  for (let attempt = 1; ; attempt++) {
    const port = opts.port || (await freePort(opts.host));
    const listen = `${opts.host}:${port}`;
    const configFile = join(dir.path, "prometheus.yml");
    writeFileSync(configFile, localPrometheusConfig(source, opts.configPath, { targetsFile, intervalSec: opts.intervalSec, listen }));
    const { child, output, exited } = spawnHarnessProcess(
      "prometheus",
      [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir.path, "data")}`, `--web.listen-address=${listen}`],
      { cwd: dir.path, maxLines: 2000 },
    );
    writeFileSync(join(dir.path, "prometheus.pid"), String(child.pid ?? ""));

    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const deadline = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(deadline);
      dir.remove();
    };

    try {
      await output.waitFor((line) => (line.includes("Server is ready to receive web requests") ? true : undefined), opts.startTimeoutMs, exited);
    } catch (err) {
      child.kill("SIGKILL");
      await exited;
      const bindRace = !opts.port && attempt < 3 && output.lines.some((line) => line.includes("address already in use"));
      if (bindRace) continue;
      dir.remove();
      throw new Error(`prometheus did not start: ${(err as Error).message}\n${output.tail(20)}`);
    }

    const url = `http://${listen}`;
    const query = async (expr: string) => {
      const data = await api<{ resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] }>(
        `${url}/api/v1/query?query=${encodeURIComponent(expr)}`,
      );
      if (data.resultType !== "vector") throw new Error(`${expr}: a ${data.resultType}, not an instant vector`);
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    };
    return {
      url,
      output,
      setTargets,
      query,
      async waitForQuery(expr, predicate, what, timeoutMs = 20_000) {
        // Scrapes leave no trace a test could await: poll the API, bounded by the deadline.
        const until = Date.now() + timeoutMs;
        for (;;) {
          const samples = await query(expr);
          if (predicate(samples)) return samples;
          if (Date.now() > until) throw new Error(`waited ${timeoutMs} ms for ${what}; ${expr} = ${JSON.stringify(samples)}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      },
      async targets() {
        const data = await api<{ activeTargets: { labels: Record<string, string>; health: PromTarget["health"]; lastError: string }[] }>(
          `${url}/api/v1/targets?state=active`,
        );
        return data.activeTargets.map((t) => ({ job: t.labels.job ?? "", instance: t.labels.instance ?? "", health: t.health, lastError: t.lastError }));
      },
      async ruleGroups() {
        return (await api<{ groups: PromRuleGroup[] }>(`${url}/api/v1/rules`)).groups;
      },
      stop,
    };
  }
}
