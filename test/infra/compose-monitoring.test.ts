/**
 * docker-compose.yml's `monitoring` profile (issue 23) against the files it mounts: Prometheus runs
 * deploy/prometheus/prometheus.yml, whose DNS discovery must name the chat service and its
 * METRICS_PORT; Grafana's provisioning must point at the Prometheus service and the dashboards'
 * mount. Debian's docker-compose 1.29 validates the file with the profile (no engine runs here).
 * Note: 1.29 takes `--profile` before the command; `docker-compose config --profile x` only prints
 * the command's usage (and exits 0).
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = fileURLToPath(new URL("../../", import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, "utf8");

interface Service {
  image?: string;
  profiles?: string[];
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
}
const compose = parse(read("docker-compose.yml"), { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const { chat, prometheus, grafana } = compose.services as Record<string, Service>;

/** "./source:/target[:ro]" entries, as { source, target }. */
const mounts = (service: Service | undefined) =>
  (service?.volumes ?? []).map((v) => {
    const [source = "", target = ""] = v.split(":");
    return { source, target };
  });

/** The repository path mounted at `path` in `service` (a file under a mounted directory too). */
function hostPath(service: Service | undefined, path: string): string | undefined {
  for (const { source, target } of mounts(service)) {
    if (!source.startsWith("./")) continue;
    if (path === target) return source.slice(2);
    if (path.startsWith(`${target}/`)) return `${source.slice(2)}${path.slice(target.length)}`;
  }
  return undefined;
}

function composeConfig(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, AUTH_SECRET: "compose-test-secret-0123456789", REDIS_PASSWORD: "compose-test-redis-password", POSTGRES_PASSWORD: "composeTestPostgresPassword" };
  return new Promise((resolve) => {
    execFile("docker-compose", ["-f", "docker-compose.yml", ...args], { cwd: root, env, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe("docker-compose.yml, profile monitoring", () => {
  it("validates with the profile and resolves prometheus and grafana", async () => {
    const res = await composeConfig(["--profile", "monitoring", "config"]);
    expect(res.code, res.stderr).toBe(0);
    const resolved = parse(res.stdout) as { services: Record<string, Service> };
    expect(resolved.services.prometheus?.profiles).toEqual(["monitoring"]);
    expect(resolved.services.grafana?.profiles).toEqual(["monitoring"]);
    expect((await composeConfig(["config", "--profiles"])).stdout.trim().split("\n")).toEqual(["monitoring"]);
  });

  it("pins both images and publishes them on this host only", () => {
    expect(prometheus?.image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
    expect(grafana?.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
    for (const service of [prometheus, grafana]) for (const port of service?.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
    for (const service of [prometheus, grafana]) {
      for (const { source } of mounts(service)) if (!source.startsWith("./")) expect(compose.volumes).toHaveProperty(source);
    }
  });

  it("runs deploy/prometheus/prometheus.yml, which discovers the chat service on its METRICS_PORT and loads the rules", () => {
    const configFlag = prometheus?.command?.find((a) => a.startsWith("--config.file="))?.split("=")[1] ?? "";
    expect(hostPath(prometheus, configFlag)).toBe("deploy/prometheus/prometheus.yml");
    const config = parse(read("deploy/prometheus/prometheus.yml")) as {
      rule_files: string[];
      scrape_configs: { job_name: string; dns_sd_configs?: { names: string[]; type: string; port: number }[] }[];
    };
    const job = config.scrape_configs.find((j) => j.job_name === "chat");
    expect(job?.dns_sd_configs).toEqual([expect.objectContaining({ names: ["chat"], type: "A", port: Number(chat?.environment?.METRICS_PORT) })]);
    // Rule files are relative to the config file: under the same mount.
    expect(config.rule_files).toEqual(["rules/*.yml"]);
    expect(hostPath(prometheus, "/etc/prometheus/rules/chat-alerts.yml")).toBe("deploy/prometheus/rules/chat-alerts.yml");
  });

  it("provisions grafana with the prometheus service as data source and deploy/grafana/dashboards", () => {
    const provisioning = hostPath(grafana, "/etc/grafana/provisioning");
    expect(provisioning).toBe("deploy/grafana/provisioning");
    const datasources = parse(read(`${provisioning}/datasources/prometheus.yml`)) as { datasources: { type: string; url: string; isDefault: boolean }[] };
    const listen = /--web\.listen-address=\S*:(\d+)/.exec(prometheus?.command?.join(" ") ?? "")?.[1] ?? "9090";
    expect(datasources.datasources).toEqual([expect.objectContaining({ type: "prometheus", url: `http://prometheus:${listen}`, isDefault: true })]);
    expect(prometheus?.ports).toContain(`127.0.0.1:${listen}:${listen}`);

    const providers = parse(read(`${provisioning}/dashboards/live-chat.yml`)) as { providers: { type: string; options: { path: string } }[] };
    const path = providers.providers[0]?.options.path ?? "";
    expect(hostPath(grafana, path)).toBe("deploy/grafana/dashboards");
    expect(JSON.parse(read("deploy/grafana/dashboards/chat.json"))).toMatchObject({ uid: "live-chat" });
  });
});
