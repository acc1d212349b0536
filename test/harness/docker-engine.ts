/**
 * A Docker engine of the test run's own: `containerd` and `dockerd` from the machine's packages
 * (Debian's docker.io), started as root with their own data root, exec root, socket and cgroup
 * parent in a temporary directory, and stopped with everything they created
 * (test/harness/docker-engine-dir.ts), also when the test run is interrupted.
 *
 * The machine's network setup stays as it was: `--iptables=false --ip-masq=false
 * --ip-forward=false` (no firewall rule, chain or sysctl is touched) and `--bridge=none` (no
 * docker0). Compose's own networks still get a bridge each (removed with the network); containers
 * reach each other on it, and ports published on 127.0.0.1 reach them through docker-proxy. With
 * no NAT, containers cannot reach the internet, and without a default bridge a `docker build`
 * must run its steps with `--network host` (or none).
 *
 * containerd is started here rather than by dockerd: dockerd would use a system containerd whose
 * socket it finds at /run/containerd/containerd.sock, someone else's on a shared machine.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { ENGINE_DIR_PREFIX, engineLayout, reapOrphanEngines, teardownEngineSync, type EngineState } from "./docker-engine-dir.js";
import { runOnExit } from "./exit-cleanup.js";

export interface DockerEngineOptions {
  /**
   * The docker client to call. Debian's docker.io puts one of the daemon's own version at
   * /usr/bin/docker; a newer client elsewhere on PATH also works (it negotiates the API version).
   * @default "/usr/bin/docker" when it exists, else "docker"
   */
  client: string;
  /** @default "/usr/sbin/dockerd" when it exists, else "dockerd" */
  dockerd: string;
  /** @default "containerd" */
  containerd: string;
  /** Until the daemon answers. @default 60000 */
  startTimeoutMs: number;
}

export interface DockerCommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** How to reach an engine: plain data, so a vitest globalSetup can `provide` it to test files. */
export interface DockerAccess {
  /** The docker client to call. */
  client: string;
  /**
   * Environment (over the test process's) for docker and docker-compose: DOCKER_HOST, PATH with
   * the chosen client first as `docker` (docker-compose 1.29 builds by running `docker build`),
   * BuildKit on (as on a current Docker host).
   */
  env: Record<string, string>;
}

export type DockerRunner = (args: string[], options?: { timeoutMs?: number; input?: string }) => Promise<DockerCommandResult>;

export interface DockerEngine {
  /** `unix://...`: the DOCKER_HOST of this engine. */
  host: string;
  dir: string;
  access: DockerAccess;
  /** Runs the docker client against this engine; never rejects (see `code`). */
  docker: DockerRunner;
  /** Removes every container, network and volume, stops the daemons, unmounts, removes the directory. */
  stop(): Promise<void>;
}

function whichDefault(preferred: string, fallback: string): string {
  return existsSync(preferred) ? preferred : fallback;
}

const defaults = (): DockerEngineOptions => ({
  client: whichDefault("/usr/bin/docker", "docker"),
  dockerd: whichDefault("/usr/sbin/dockerd", "dockerd"),
  containerd: "containerd",
  startTimeoutMs: 60_000,
});

/** Runs `command`; resolves with its exit code and output, never rejects. */
export function runCommand(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; input?: string } = {},
): Promise<DockerCommandResult> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { env: options.env, cwd: options.cwd, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024, killSignal: "SIGKILL" },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr: err && code === 1 && !stderr ? String(err.message) : stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

interface Daemon {
  child: ChildProcess;
  /** Why it is not running, once it exited or could not be started. */
  failure(): string | undefined;
}

/** A daemon process with its output in a log file: it must outlive a pipe to this process. */
function spawnDaemon(command: string, args: string[], cwd: string, logFile: string): Daemon {
  const log = openSync(logFile, "a");
  let failure: string | undefined;
  try {
    // detached: a Ctrl-C in the terminal reaches the test run, not the daemons; the teardown stops
    // them in order (containers and networks first).
    const child = spawn(command, args, { cwd, detached: true, stdio: ["ignore", log, log] });
    child.once("error", (err) => (failure = `${command}: ${err.message}`));
    child.once("exit", (code, signal) => (failure ??= `${command} exited (${signal ?? code})`));
    return { child, failure: () => failure };
  } finally {
    closeSync(log);
  }
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/** Starts containerd and dockerd in a fresh directory; resolves once the daemon answers. */
export async function startDockerEngine(options: Partial<DockerEngineOptions> = {}): Promise<DockerEngine> {
  const opts = { ...defaults(), ...options } satisfies DockerEngineOptions;
  reapOrphanEngines();
  let dockerd: Daemon | undefined;
  const dir = mkdtempSync(join(tmpdir(), ENGINE_DIR_PREFIX));
  const layout = engineLayout(dir);
  writeFileSync(layout.owner, String(process.pid));
  const state: EngineState = {
    client: opts.client,
    cgroupParent: basename(dir),
    createdRunContainerd: !existsSync("/run/containerd"),
  };
  writeFileSync(layout.state, JSON.stringify(state));
  let stopped = false;
  const cancelExitHook = runOnExit(() => teardownEngineSync(dir));
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    cancelExitHook();
    teardownEngineSync(dir);
  };

  try {
    for (const path of [layout.dataRoot, layout.execRoot, layout.containerdState, layout.binDir]) mkdirSync(path, { recursive: true });
    symlinkSync(opts.client.includes("/") ? opts.client : await resolveOnPath(opts.client), join(layout.binDir, "docker"));
    // containerd's own config: every path under the directory, no CRI plugin, no metrics or debug socket.
    writeFileSync(
      layout.containerdConfig,
      [
        "version = 2",
        `root = ${JSON.stringify(layout.containerdRoot)}`,
        `state = ${JSON.stringify(layout.containerdState)}`,
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
        "[grpc]",
        `  address = ${JSON.stringify(layout.containerdSocket)}`,
        "[debug]",
        '  address = ""',
        "[metrics]",
        '  address = ""',
        "",
      ].join("\n"),
    );
    // Its own daemon.json (not /etc/docker's), and the 20.10 daemon's identity key kept here
    // rather than written to /etc/docker/key.json.
    writeFileSync(layout.daemonConfig, JSON.stringify({ "deprecated-key-path": join(dir, "key.json") }));

    const containerd = spawnDaemon(opts.containerd, ["--config", layout.containerdConfig], dir, layout.containerdLog);
    writeFileSync(layout.containerdPid, String(containerd.child.pid ?? ""));
    await waitFor(() => existsSync(layout.containerdSocket), opts.startTimeoutMs, containerd.failure, () => tail(layout.containerdLog, 20));

    dockerd = spawnDaemon(
      opts.dockerd,
      [
        `--config-file=${layout.daemonConfig}`,
        `--data-root=${layout.dataRoot}`,
        `--exec-root=${layout.execRoot}`,
        `--pidfile=${layout.dockerdPid}`,
        `--host=unix://${layout.socket}`,
        `--containerd=${layout.containerdSocket}`,
        `--cgroup-parent=/${state.cgroupParent}`,
        "--iptables=false",
        "--ip-masq=false",
        "--ip-forward=false",
        "--bridge=none",
      ],
      dir,
      layout.dockerdLog,
    );
  } catch (err) {
    await stop();
    throw err;
  }

  const host = `unix://${layout.socket}`;
  const access: DockerAccess = {
    client: opts.client,
    env: {
      DOCKER_HOST: host,
      PATH: `${layout.binDir}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      DOCKER_BUILDKIT: "1",
      COMPOSE_DOCKER_CLI_BUILD: "1",
    },
  };
  const docker = dockerRunner(access);

  try {
    await waitFor(
      async () => (await docker(["version", "--format", "{{.Server.Version}}"], { timeoutMs: 5_000 })).code === 0,
      opts.startTimeoutMs,
      () => dockerd?.failure(),
      () => tail(layout.dockerdLog, 30),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { host, dir, access, docker, stop };
}

/** The environment docker and docker-compose run with against the engine `access` names. */
export function dockerEnv(access: DockerAccess): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...access.env };
  // Settings a developer's shell may carry that would point the client elsewhere.
  delete env.DOCKER_CONTEXT;
  delete env.DOCKER_TLS_VERIFY;
  delete env.DOCKER_CERT_PATH;
  return env;
}

/** Runs the docker client against the engine `access` names. */
export function dockerRunner(access: DockerAccess): DockerRunner {
  const env = dockerEnv(access);
  return (args, o = {}) => runCommand(access.client, args, { env, timeoutMs: o.timeoutMs, input: o.input });
}

async function resolveOnPath(command: string): Promise<string> {
  const res = await runCommand("sh", ["-c", `command -v "$1"`, "sh", command]);
  const path = res.stdout.trim();
  if (res.code !== 0 || !path) throw new Error(`${command} not found on PATH (Debian: apt-get install docker.io)`);
  return path;
}

/** Polls `check` (the daemons' only readiness signal is their socket answering), bounded. */
async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  failure: () => string | undefined,
  log: () => string,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    const failed = failure();
    if (failed) throw new Error(`${failed}:\n${log()}`);
    if (Date.now() > until) throw new Error(`not up within ${timeoutMs} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
