/**
 * Debian's docker-compose 1.29 validates and resolves a compose file without an engine, in seconds:
 * the schema, variable interpolation (`${VAR:?}` included), `depends_on` conditions.
 * compose-file.test.ts checks the file's content against the harness and the server's
 * configuration; this runs the real compose tool over it; `npm run test:compose` runs it for real.
 * `.ci/run` installs docker-compose.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

function composeConfig(env: Record<string, string | undefined>): Promise<{ code: number; stdout: string; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v;
  return new Promise((resolve) => {
    execFile("docker-compose", ["-f", "docker-compose.yml", "config"], { cwd: REPO_ROOT, env: childEnv, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** The variables compose requires (`${VAR:?}`). */
const REQUIRED = { AUTH_SECRET: "compose-test-secret-0123456789", REDIS_PASSWORD: "compose-test-redis-password", POSTGRES_PASSWORD: "composeTestPostgresPassword" };

describe("docker-compose config", () => {
  it("accepts docker-compose.yml and resolves the services a scaled deployment needs", async () => {
    const res = await composeConfig(REQUIRED);
    expect(res.code, res.stderr).toBe(0);
    const resolved = parse(res.stdout) as { services: Record<string, { environment?: Record<string, string> }> };
    expect(Object.keys(resolved.services)).toEqual(expect.arrayContaining(["chat", "lb", "redis-init", "redis-1", "redis-6", "postgres"]));
    expect(resolved.services.chat!.environment).toMatchObject({
      AUTH_SECRET: "compose-test-secret-0123456789",
      NODE_ENV: "production",
      DATABASE_URL: "postgres://chat:composeTestPostgresPassword@postgres:5432/chat",
    });
    expect(resolved.services.postgres!.environment).toMatchObject({ POSTGRES_PASSWORD: "composeTestPostgresPassword" });
    // Parametrised host ports keep their documented defaults. docker-compose prints a port as an
    // object or as "host_ip:published:target/proto", depending on its form in the file.
    const lb = resolved.services.lb as unknown as { ports: (string | { published: number; target: number; host_ip?: string })[] };
    const ports = lb.ports.map((p) => (typeof p === "string" ? p.replace(/\/tcp$/, "") : `${p.host_ip ? `${p.host_ip}:` : ""}${p.published}:${p.target}`));
    expect(ports.sort()).toEqual(["127.0.0.1:8404:8404", "8080:8080"]);
  });

  it.each(["AUTH_SECRET", "REDIS_PASSWORD", "POSTGRES_PASSWORD"])("refuses to start without %s (no public fallback)", async (name) => {
    const env: Record<string, string | undefined> = { ...REQUIRED, [name]: undefined };
    const res = await composeConfig(env);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(name);
  });
});
