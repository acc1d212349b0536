/**
 * The directory of one Docker engine the harness runs (test/harness/docker-engine.ts): its layout,
 * its teardown, and the reaper of engines whose test process died.
 *
 * Everything the engine creates on the machine is found from here, so the teardown leaves nothing
 * behind: containers and networks (removed through the daemon while it runs), the daemon and its
 * containerd (by the pid files in the directory), container processes (by the engine's own cgroup
 * parent), mounts (every mount point under the directory: the data root's bind mount, overlays,
 * network namespaces), bridges of networks the daemon could not remove, the cgroup directories,
 * and the shim socket directory containerd creates under /run. It is synchronous, so the exit
 * handlers of an interrupted test run can call it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { alive, belongsTo } from "./harness-dir.js";

/** Engine directories are /tmp/live-chat-docker-XXXXXX (short: socket paths must stay < 108 bytes). */
export const ENGINE_DIR_PREFIX = "live-chat-docker-";

/** Paths inside an engine directory. */
export function engineLayout(dir: string) {
  return {
    dir,
    socket: join(dir, "docker.sock"),
    dataRoot: join(dir, "data"),
    execRoot: join(dir, "run", "docker"),
    containerdRoot: join(dir, "data", "containerd"),
    containerdState: join(dir, "run", "containerd"),
    containerdSocket: join(dir, "run", "containerd", "containerd.sock"),
    containerdConfig: join(dir, "containerd.toml"),
    daemonConfig: join(dir, "daemon.json"),
    dockerdPid: join(dir, "dockerd.pid"),
    containerdPid: join(dir, "containerd.pid"),
    dockerdLog: join(dir, "dockerd.log"),
    containerdLog: join(dir, "containerd.log"),
    /** Holds a `docker` that is the client chosen for this daemon, for docker-compose's builds. */
    binDir: join(dir, "bin"),
    /** JSON {@link EngineState}. */
    state: join(dir, "state.json"),
    owner: join(dir, "owner.pid"),
  };
}

/** What the teardown needs to know beyond the layout. */
export interface EngineState {
  /** The docker client the harness calls. */
  client: string;
  /** cgroup parent of every container (one per engine, so its processes can be found and the cgroups removed). */
  cgroupParent: string;
  /** True when /run/containerd did not exist before: containerd's shims create /run/containerd/s. */
  createdRunContainerd: boolean;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; waits until the process is gone. */
function stopProcessSync(pid: number, graceMs: number): void {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone.
    }
  };
  signal("SIGTERM");
  const until = Date.now() + graceMs;
  while (alive(pid) && !isZombie(pid) && Date.now() < until) sleepSync(100);
  if (alive(pid) && !isZombie(pid)) {
    signal("SIGKILL");
    const killUntil = Date.now() + 5_000;
    while (alive(pid) && !isZombie(pid) && Date.now() < killUntil) sleepSync(50);
  }
}

/** An exited child its parent has not reaped yet: gone for our purposes. */
function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

function run(command: string, args: string[], timeoutMs = 60_000): string {
  try {
    return execFileSync(command, args, { encoding: "utf8", timeout: timeoutMs, stdio: ["ignore", "pipe", "pipe"] });
  } catch {
    return "";
  }
}

/** Removes every container, custom network and volume through the running daemon. */
function emptyDaemon(client: string, socket: string): void {
  const docker = (args: string[], timeoutMs?: number) => run(client, ["-H", `unix://${socket}`, ...args], timeoutMs);
  const ids = (out: string) => out.split("\n").map((s) => s.trim()).filter(Boolean);
  const containers = ids(docker(["ps", "-aq"]));
  if (containers.length) docker(["rm", "-f", "-v", ...containers], 120_000);
  const networks = ids(docker(["network", "ls", "-q", "--filter", "type=custom"]));
  if (networks.length) docker(["network", "rm", ...networks]);
  const volumes = ids(docker(["volume", "ls", "-q"]));
  if (volumes.length) docker(["volume", "rm", "-f", ...volumes]);
}

/** Pids of every process in the engine's cgroups (its containers' processes). */
function cgroupPids(cgroupParent: string): number[] {
  const pids = new Set<number>();
  const walk = (path: string) => {
    try {
      for (const line of readFileSync(join(path, "cgroup.procs"), "utf8").split("\n")) if (line) pids.add(Number(line));
      for (const entry of readdirSync(path, { withFileTypes: true })) if (entry.isDirectory()) walk(join(path, entry.name));
    } catch {
      // Not in this hierarchy.
    }
  };
  for (const controller of cgroupControllers()) walk(join("/sys/fs/cgroup", controller, cgroupParent));
  return [...pids];
}

function cgroupControllers(): string[] {
  try {
    // cgroup v1 (one directory per controller) or v2 ("" = the unified root itself).
    return existsSync("/sys/fs/cgroup/cgroup.controllers") ? [""] : readdirSync("/sys/fs/cgroup");
  } catch {
    return [];
  }
}

/** Removes the engine's cgroup directories, deepest first (only empty ones can go). */
function removeCgroups(cgroupParent: string): void {
  const remove = (path: string) => {
    try {
      for (const entry of readdirSync(path, { withFileTypes: true })) if (entry.isDirectory()) remove(join(path, entry.name));
      rmdirSync(path);
    } catch {
      // Gone, or not in this hierarchy.
    }
  };
  for (const controller of cgroupControllers()) remove(join("/sys/fs/cgroup", controller, cgroupParent));
}

/** /proc/mounts escapes blanks in paths as octal (\040). */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Mount points at or under `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  const points = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((line) => unescapeMountPath(line.split(" ")[1] ?? ""))
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

function unmountAll(dir: string): void {
  for (const point of mountsUnder(dir)) {
    if (!run("umount", [point], 30_000) && mountsUnder(dir).includes(point)) run("umount", ["-l", point], 30_000);
  }
}

/**
 * Deletes bridges of networks this engine created that are still there (the daemon died before it
 * could remove them). A network's bridge is br-<first 12 hex digits of its id>, and the daemon's
 * network store (a bolt file) holds the ids in plain text: only those bridges are touched.
 */
function removeOwnBridges(dataRoot: string): void {
  let store: string;
  try {
    store = readFileSync(join(dataRoot, "network", "files", "local-kv.db")).toString("latin1");
  } catch {
    return;
  }
  const links = run("ip", ["-o", "link", "show", "type", "bridge"]);
  for (const [, id] of links.matchAll(/^\d+: br-([0-9a-f]{12})[@:]/gm)) {
    if (id && store.includes(id)) run("ip", ["link", "delete", `br-${id}`]);
  }
}

/**
 * Stops everything the engine in `dir` started and removes what it created, then the directory.
 * Safe to call more than once and on a half-started engine.
 */
export function teardownEngineSync(dir: string): void {
  const layout = engineLayout(dir);
  let state: EngineState | undefined;
  try {
    state = JSON.parse(readFileSync(layout.state, "utf8")) as EngineState;
  } catch {
    state = undefined;
  }

  const dockerd = readPid(layout.dockerdPid);
  if (dockerd !== undefined && alive(dockerd) && belongsTo(dockerd, dir)) {
    if (state) emptyDaemon(state.client, layout.socket);
    // dockerd stops its containers (their stop timeouts), unmounts its data root and exits.
    stopProcessSync(dockerd, 40_000);
  }
  // Whatever survived the daemon: container processes (found by the engine's cgroup), then the
  // shims and containerd (they name the directory on their command lines).
  if (state) for (const pid of cgroupPids(state.cgroupParent)) stopProcessSync(pid, 0);
  for (const pid of processesNaming(dir)) if (pid !== readPid(layout.containerdPid)) stopProcessSync(pid, 2_000);
  const containerd = readPid(layout.containerdPid);
  if (containerd !== undefined && alive(containerd) && belongsTo(containerd, dir)) stopProcessSync(containerd, 10_000);

  unmountAll(dir);
  removeOwnBridges(layout.dataRoot);
  if (state) {
    removeCgroups(state.cgroupParent);
    if (state.createdRunContainerd) {
      for (const path of ["/run/containerd/s", "/run/containerd"]) {
        try {
          rmdirSync(path); // only when empty: another containerd may use it by now
        } catch {
          // In use, or gone.
        }
      }
    }
  }
  if (mountsUnder(dir).length === 0) rmSync(dir, { recursive: true, force: true });
}

/** Pids (not this process) whose command line names `dir`. */
function processesNaming(dir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!pid || pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dir)) pids.push(pid);
    } catch {
      // Exited meanwhile.
    }
  }
  return pids;
}

/**
 * Tears down engine directories whose test process is gone (it was killed with SIGKILL, so no exit
 * handler ran). Directories without an owner yet are left alone for a minute (being created).
 */
export function reapOrphanEngines(): void {
  const root = tmpdir();
  for (const name of readdirSync(root)) {
    if (!name.startsWith(ENGINE_DIR_PREFIX)) continue;
    const dir = join(root, name);
    try {
      const owner = readPid(engineLayout(dir).owner);
      if (owner !== undefined ? alive(owner) : Date.now() - statSync(dir).mtimeMs < 60_000) continue;
      teardownEngineSync(dir);
    } catch {
      // Removed meanwhile by its owner.
    }
  }
}
