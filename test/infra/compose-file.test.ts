/**
 * docker-compose.yml checked against what the rest of the repository expects, in seconds and with
 * no Docker engine: the files the harness uses, the variables the server reads (validated by the
 * server's own config loader), the ports, the volumes, and the load balancer's variables (validated
 * by the real `haproxy -c`). `npm run test:compose` (test/compose/) runs the file for real.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../src/config.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, "utf8");

interface Service {
  image?: string;
  build?: string | { context?: string; network?: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  expose?: string[];
  container_name?: string;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(read("docker-compose.yml"), { merge: true }) as Compose;
const services = compose.services;
const redisNames = Object.keys(services).filter((name) => /^redis-\d+$/.test(name)).sort();
const chat = services.chat!;
const lb = services.lb!;
const nodeConfPort = Number(/^port (\d+)$/m.exec(read("redis-cluster/node.conf"))?.[1]);

/** Values for the variables compose requires (`${VAR:?message}`), as an operator sets them. */
const REQUIRED: Record<string, string> = {
  AUTH_SECRET: "compose-test-secret-0123456789",
  REDIS_PASSWORD: "compose-test-redis-password",
  POSTGRES_PASSWORD: "composeTestPostgresPassword",
};

/** Compose's `${VAR:-default}` as Compose would substitute it with VAR unset, and `${VAR:?}` with {@link REQUIRED}. */
function withDefaults(environment: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).map(([k, v]) => [
      k,
      String(v)
        .replace(/\$\{[A-Z_]+:-([^}]*)\}/g, "$1")
        .replace(/\$\{([A-Z_]+):\?[^}]*\}/g, (_m, name: string) => REQUIRED[name] ?? ""),
    ]),
  );
}

/** "source:target[:mode]" volume entries of a service, as { source, target }. */
function mounts(service: Service): { source: string; target: string }[] {
  return (service.volumes ?? []).map((v) => {
    const [source = "", target = ""] = v.split(":");
    return { source, target };
  });
}

describe("docker-compose.yml", () => {
  it("runs 6 Redis nodes from redis-cluster/node.conf, each announcing its service name, each with its own volume", () => {
    expect(redisNames).toEqual(["redis-1", "redis-2", "redis-3", "redis-4", "redis-5", "redis-6"]);
    expect(nodeConfPort).toBe(6379);
    for (const name of redisNames) {
      const node = services[name]!;
      expect(node.image).toMatch(/^redis:7\./);
      const [server, conf, ...args] = node.command ?? [];
      expect(server).toBe("redis-server");
      expect(mounts(node)).toContainEqual({ source: "./redis-cluster/node.conf", target: conf });
      // MOVED redirects must name a host the chat containers can resolve.
      expect(args.join(" ")).toContain(`--cluster-announce-hostname ${name}`);
      expect(args.join(" ")).toContain("--cluster-preferred-endpoint-type hostname");
      const data = mounts(node).find((m) => m.target === "/data");
      expect(data?.source).toBe(`${name}-data`);
      expect(compose.volumes).toHaveProperty(data!.source);
      expect(node.ports).toBeUndefined();
      expect(node.healthcheck?.test.join(" ")).toContain("ping");
      // A password for clients and for the replica's link to its master; redis-cli gets it from the env.
      expect(args.join(" ")).toContain("--requirepass ${REDIS_PASSWORD} --masterauth ${REDIS_PASSWORD}");
      expect(node.environment?.REDISCLI_AUTH).toMatch(/^\$\{REDIS_PASSWORD:\?/);
    }
  });

  it("bootstraps the cluster once with redis-cluster/bootstrap.sh over all 6 nodes, after they are healthy", () => {
    const init = services["redis-init"]!;
    const script = mounts(init).find((m) => m.source === "./redis-cluster/bootstrap.sh");
    expect(script).toBeDefined();
    expect(init.entrypoint).toEqual(["sh", script!.target]);
    const args = init.command ?? [];
    expect(args.slice(args.indexOf("--replicas"), args.indexOf("--replicas") + 2)).toEqual(["--replicas", "1"]);
    expect(args.filter((a) => /^redis-\d+:\d+$/.test(a)).sort()).toEqual(redisNames.map((n) => `${n}:${nodeConfPort}`));
    for (const name of redisNames) expect(init.depends_on?.[name]).toEqual({ condition: "service_healthy" });
  });

  it("runs chat scalable (no container name, no host ports) with an environment the server accepts", () => {
    // Built from the repository's Dockerfile; the build network defaults to Docker's own.
    expect(chat.build).toMatchObject({ context: ".", network: "${CHAT_BUILD_NETWORK:-default}" });
    expect(chat).not.toHaveProperty("container_name");
    expect(chat).not.toHaveProperty("ports");
    expect(chat.depends_on?.["redis-init"]).toEqual({ condition: "service_completed_successfully" });
    expect(chat.healthcheck?.test.join(" ")).toContain("/healthz");

    // Every name is one the server reads, and the values pass its own validation.
    const configSource = read("src/config.ts");
    const env = withDefaults(chat.environment ?? {});
    for (const name of Object.keys(env)) expect(configSource, `src/config.ts reads ${name}`).toContain(name);
    expect(Object.keys(env)).toEqual(expect.arrayContaining(["REDIS_CLUSTER_NODES", "AUTH_SECRET", "PORT", "NODE_ENV", "TRUST_PROXY"]));
    const config = loadConfig(env);
    expect(config.production).toBe(true);
    expect(config.redis).toEqual({ mode: "cluster", urls: redisNames.map((n) => `redis://${n}:${nodeConfPort}`), password: REQUIRED.REDIS_PASSWORD });
    // Required, without a fallback: a public default secret would let anyone mint streamer tokens.
    expect(chat.environment?.AUTH_SECRET).toMatch(/^\$\{AUTH_SECRET:\?/);
    expect(chat.environment?.REDIS_PASSWORD).toMatch(/^\$\{REDIS_PASSWORD:\?/);
    expect(services["redis-init"]!.environment?.REDIS_PASSWORD).toMatch(/^\$\{REDIS_PASSWORD:\?/);
    // Metrics on their own port, reachable on the compose network only (lb forwards PORT alone).
    expect(config.metricsPort).toBeGreaterThan(0);
    expect(chat.expose).toEqual([String(config.port), String(config.metricsPort)]);
    expect(read("Dockerfile")).toMatch(new RegExp(`^EXPOSE ${config.port}$`, "m"));
  });

  it("keeps the archive in a postgres service with its own volume, a required password and a healthcheck, chat's DATABASE_URL pointing at it", () => {
    const pg = services.postgres!;
    expect(pg.image).toMatch(/^postgres:1[3-9]-/);
    expect(pg.ports).toBeUndefined();
    expect(pg.environment?.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    const data = mounts(pg).find((m) => m.target === "/var/lib/postgresql/data");
    expect(data?.source).toBe("postgres-data");
    expect(compose.volumes).toHaveProperty("postgres-data");
    expect(pg.healthcheck?.test.join(" ")).toContain("pg_isready");
    expect(chat.depends_on?.postgres).toEqual({ condition: "service_healthy" });
    // The URL the replicas get names this service, its user, database and password, and passes the server's own check.
    const pgEnv = withDefaults(pg.environment ?? {});
    const config = loadConfig(withDefaults(chat.environment ?? {}));
    const url = new URL(config.databaseUrl!);
    expect({ host: url.hostname, port: url.port, user: url.username, password: url.password, db: url.pathname.slice(1) }).toEqual({
      host: "postgres",
      port: "5432",
      user: pgEnv.POSTGRES_USER,
      password: REQUIRED.POSTGRES_PASSWORD,
      db: pgEnv.POSTGRES_DB,
    });
    expect(chat.environment?.DATABASE_URL).toContain("${POSTGRES_PASSWORD:?");
    expect(config.archiveRetentionDays).toBe(0);
  });

  it("puts lb in front with deploy/haproxy.cfg, given every variable it uses, pointing at chat's port", async () => {
    const cfg = mounts(lb).find((m) => m.source === "./deploy/haproxy.cfg");
    expect(cfg?.target).toBe("/usr/local/etc/haproxy/haproxy.cfg");
    const env = withDefaults(lb.environment ?? {});
    const directives = read("deploy/haproxy.cfg")
      .split("\n")
      .filter((line) => !line.trim().startsWith("#"))
      .join("\n");
    const used = new Set([...directives.matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1]));
    expect([...used].sort()).toEqual(Object.keys(env).sort());
    expect(env.CHAT_SERVICE).toBe("chat");
    expect(env.CHAT_PORT).toBe(withDefaults(chat.environment ?? {}).PORT);
    expect(env.LB_DNS_SERVER).toBe("127.0.0.11:53");
    const published = (lb.ports ?? []).map((p) => p.split(":").slice(-1)[0]);
    expect(published).toContain(env.LB_BIND?.split(":").pop());

    // The real haproxy parses the file with exactly this environment.
    const check = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile("haproxy", ["-c", "-f", `${root}deploy/haproxy.cfg`], { env: { PATH: process.env.PATH, ...env } }, (err, stdout, stderr) =>
        resolve({ code: err ? Number(err.code ?? 1) : 0, output: stdout + stderr }),
      );
    });
    expect(check, check.output).toMatchObject({ code: 0 });
  });

  it("builds chat from a Dockerfile that runs what `npm start` runs, with production dependencies, as non-root", () => {
    const dockerfile = read("Dockerfile");
    const pkg = JSON.parse(read("package.json")) as { scripts: Record<string, string> };
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? "[]") as string[];
    expect(cmd.join(" ")).toBe(pkg.scripts.start);
    expect(dockerfile).toMatch(/^RUN npm run build/m);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev/m);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
    expect(runtime).toMatch(/^USER (?!root)\S+$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    for (const path of ["dist", "public", "node_modules"]) expect(runtime).toContain(`./${path}`);
  });

  it("mounts only files that exist and declares every named volume it uses", () => {
    for (const [name, service] of Object.entries(services)) {
      for (const { source } of mounts(service)) {
        if (source.startsWith("./")) expect(existsSync(`${root}${source.slice(2)}`), `${name} mounts ${source}`).toBe(true);
        else expect(compose.volumes, `${name} uses volume ${source}`).toHaveProperty(source);
      }
    }
  });
});
