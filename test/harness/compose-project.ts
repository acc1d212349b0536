/**
 * One `docker-compose` project on a harness Docker engine (test/harness/docker-engine.ts): the
 * repository's docker-compose.yml run the way an operator runs it, with a unique project name so
 * several can share an engine, and the containers found by compose's labels.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { dockerEnv, dockerRunner, runCommand, type DockerAccess, type DockerCommandResult, type DockerRunner } from "./docker-engine.js";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const COMPOSE_FILE = join(REPO_ROOT, "docker-compose.yml");

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  profiles?: string[];
}

/**
 * The images a plain `docker-compose up` of `file` needs: each started service's `image`, or for a
 * service that is built, the images its Dockerfile's stages start FROM. Services in a profile are
 * left out (they start only when asked for).
 */
export function baseImagesOf(file = COMPOSE_FILE): string[] {
  const compose = parse(readFileSync(file, "utf8"), { merge: true }) as { services: Record<string, ComposeService> };
  const images = new Set<string>();
  for (const service of Object.values(compose.services)) {
    if (service.profiles?.length) continue;
    if (service.build === undefined) {
      if (service.image) images.add(service.image);
      continue;
    }
    const build = typeof service.build === "string" ? { context: service.build } : service.build;
    const dockerfile = readFileSync(join(dirname(file), build.context ?? ".", build.dockerfile ?? "Dockerfile"), "utf8");
    const stages = new Set<string>();
    for (const [, from, stage] of dockerfile.matchAll(/^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/gim)) {
      if (from && !stages.has(from.toLowerCase())) images.add(from);
      if (stage) stages.add(stage.toLowerCase());
    }
  }
  return [...images];
}

export interface ComposeContainer {
  id: string;
  name: string;
  service: string;
  /** compose's replica number (chat_1, chat_2, ...). */
  number: number;
  /** Address on the project's network. */
  ip: string;
  running: boolean;
  exitCode: number;
}

export interface ComposeProjectOptions {
  /** Project name (`-p`): containers, networks and volumes are prefixed with it. */
  name: string;
  /** Variables compose substitutes into the file (AUTH_SECRET, LB_PORT, ...). */
  env: Record<string, string>;
  /** @default the repository's docker-compose.yml */
  file: string;
}

export class ComposeProject {
  readonly name: string;
  readonly docker: DockerRunner;
  private readonly env: NodeJS.ProcessEnv;
  private readonly file: string;

  constructor(access: DockerAccess, options: Pick<ComposeProjectOptions, "name" | "env"> & Partial<ComposeProjectOptions>) {
    this.name = options.name;
    this.file = options.file ?? COMPOSE_FILE;
    this.env = { ...dockerEnv(access), ...options.env };
    this.docker = dockerRunner(access);
  }

  /** `docker-compose -f <file> -p <name> ...args`, from the file's folder; never rejects. */
  compose(args: string[], timeoutMs = 300_000): Promise<DockerCommandResult> {
    return runCommand("docker-compose", ["-f", this.file, "-p", this.name, ...args], { env: this.env, cwd: dirname(this.file), timeoutMs });
  }

  /** Like {@link compose}, but throws with compose's output when it fails. */
  async mustCompose(args: string[], timeoutMs?: number): Promise<string> {
    const res = await this.compose(args, timeoutMs);
    if (res.code !== 0) throw new Error(`docker-compose ${args.join(" ")} exited ${res.code}:\n${tail(res.stdout + res.stderr, 60)}`);
    return res.stdout + res.stderr;
  }

  /** The project's containers (of one service, or all), stopped ones included, by replica number. */
  async containers(service?: string): Promise<ComposeContainer[]> {
    const filters = ["--filter", `label=com.docker.compose.project=${this.name}`];
    if (service) filters.push("--filter", `label=com.docker.compose.service=${service}`);
    const ids = (await this.mustDocker(["ps", "-aq", ...filters])).split("\n").filter(Boolean);
    if (ids.length === 0) return [];
    const format =
      '{{.Id}}|{{.Name}}|{{index .Config.Labels "com.docker.compose.service"}}|{{index .Config.Labels "com.docker.compose.container-number"}}|' +
      "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}|{{.State.Running}}|{{.State.ExitCode}}";
    const lines = (await this.mustDocker(["inspect", "--format", format, ...ids])).split("\n").filter(Boolean);
    return lines
      .map((line) => {
        const [id = "", name = "", svc = "", number = "0", ip = "", running = "", exitCode = "0"] = line.split("|");
        return { id, name: name.replace(/^\//, ""), service: svc, number: Number(number), ip, running: running === "true", exitCode: Number(exitCode) };
      })
      .sort((a, b) => a.service.localeCompare(b.service) || a.number - b.number);
  }

  /** The one container of a service that runs once (redis-3, lb). */
  async container(service: string): Promise<ComposeContainer> {
    const [found] = await this.containers(service);
    if (!found) throw new Error(`no container of ${service} in project ${this.name}`);
    return found;
  }

  /** `docker exec` in a container; throws with its output when it fails. */
  exec(container: string, args: string[], timeoutMs = 30_000): Promise<string> {
    return this.mustDocker(["exec", container, ...args], timeoutMs);
  }

  /** A container's output (stdout and stderr), as `docker logs` gives it. */
  async logs(container: string): Promise<string[]> {
    const res = await this.docker(["logs", container], { timeoutMs: 30_000 });
    return (res.stdout + res.stderr).split("\n");
  }

  async mustDocker(args: string[], timeoutMs = 60_000): Promise<string> {
    const res = await this.docker(args, { timeoutMs });
    if (res.code !== 0) throw new Error(`docker ${args.join(" ")} exited ${res.code}: ${tail(res.stderr || res.stdout, 20)}`);
    return res.stdout;
  }
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
