/**
 * A private PostgreSQL server for tests and benchmarks: `initdb` into a harness temp directory and
 * `postgres` on a free loopback port, never the machine's own service. One is shared by a test
 * run (test/global-setup-postgres.ts); a fault test starts its own and may SIGSTOP, SIGKILL and
 * restart it (`signal`, `stop`, `start`).
 *
 * PostgreSQL refuses to run as root and tests run as root: then the server runs as the `postgres`
 * OS user (spawned with its uid, so the child is the postmaster itself and its pid is the one to
 * signal), with its data directory owned by that user.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { killOnExit } from "./exit-cleanup.js";
import { findFreePort } from "./free-port.js";
import { makeHarnessDir, type HarnessDir } from "./harness-dir.js";
import { OutputLines } from "./output-lines.js";

const run = promisify(execFile);
const HOST = "127.0.0.1";
const SUPERUSER = "postgres";

export interface PostgresServerOptions {
  /** Where initdb and postgres are. @default $PG_BIN, else the newest /usr/lib/postgresql/<version>/bin */
  binDir: string | undefined;
  /** @default 30000 */
  startTimeoutMs: number;
  /**
   * More `-c name=value` settings. The defaults suit tests: fsync off (a process crash loses
   * nothing committed; only an OS crash would, and tests do not crash the OS), small buffers.
   * @default {}
   */
  settings: Record<string, string>;
}

const defaults: PostgresServerOptions = { binDir: undefined, startTimeoutMs: 30_000, settings: {} };

const TEST_SETTINGS: Record<string, string> = {
  fsync: "off",
  full_page_writes: "off",
  shared_buffers: "128MB",
  max_connections: "200",
  unix_socket_directories: "",
  log_min_messages: "warning",
};

/** What a test needs to reach a running server: plain data, so globalSetup can `provide` it. */
export interface PostgresInfo {
  host: string;
  port: number;
  user: string;
  /** URL of the `postgres` maintenance database (create and drop databases there). */
  adminUrl: string;
}

export interface PostgresServerHandle extends PostgresInfo {
  dataDir: string;
  /** The postmaster's pid (a new one after each `start`). */
  readonly pid: number;
  /** `postgres://postgres@host:port/<database>` (trust authentication: no password). */
  url(database: string): string;
  /** Creates a database; resolves with its URL. */
  createDatabase(name: string): Promise<string>;
  /**
   * Sends a signal to the whole server, postmaster first, then every process it started
   * (backends, checkpointer, WAL writer...): SIGSTOP freezes it as a paused VM would, SIGKILL
   * crashes it. `postmaster` signals that process alone (its backends keep serving the
   * connections they have).
   */
  signal(signal: NodeJS.Signals, scope?: "server" | "postmaster"): void;
  /** Fast shutdown; the data stays for `start`. Resolves once the postmaster has exited. */
  stop(): Promise<void>;
  /** SIGKILL to the whole server (a crash); resolves once the postmaster has exited. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and data (after `stop` or a SIGKILL). */
  start(): Promise<void>;
  /** Stops the server (SIGKILL if it does not stop in time) and removes its directory. */
  close(): Promise<void>;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Runs one statement on the maintenance database at `adminUrl` (CREATE / DROP DATABASE). */
export async function adminQuery(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Drops a database even while connections to it are open (a failed test may leave a pool). */
export function dropDatabase(adminUrl: string, name: string): Promise<void> {
  return adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
}

/** The newest installed PostgreSQL's bin directory, or $PG_BIN. */
export function postgresBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const dir = versions.map((v) => join(root, v, "bin")).find((d) => existsSync(join(d, "initdb")));
  if (!dir) throw new Error("PostgreSQL server binaries not found (apt-get install postgresql, or set PG_BIN)");
  return dir;
}

interface RunAs {
  uid: number;
  gid: number;
}

/** As root: the postgres OS user's ids; otherwise undefined (run as ourselves). */
async function runAs(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run("id", ["-u", SUPERUSER]), run("id", ["-g", SUPERUSER])]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

async function initdb(bin: string, dataDir: string, as: RunAs | undefined): Promise<void> {
  const args = ["-D", dataDir, "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"];
  await new Promise<void>((resolve, reject) => {
    execFile(join(bin, "initdb"), args, { ...as, env: { ...process.env, LC_ALL: "C" } }, (err, _out, stderr) =>
      err ? reject(new Error(`initdb failed: ${stderr || err.message}`)) : resolve(),
    );
  });
}

/** Pids whose parent is `parent`, from /proc. */
function childrenOf(parent: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // Fields after the command name, which may hold spaces and is wrapped in parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent) pids.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

class PostgresServer implements PostgresServerHandle {
  readonly host = HOST;
  readonly user = SUPERUSER;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output: OutputLines | undefined;

  constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly dir: HarnessDir,
    private readonly bin: string,
    private readonly as: RunAs | undefined,
    private readonly opts: PostgresServerOptions,
  ) {}

  get adminUrl(): string {
    return this.url("postgres");
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  url(database: string): string {
    return `postgres://${SUPERUSER}@${HOST}:${this.port}/${encodeURIComponent(database)}`;
  }

  async createDatabase(name: string): Promise<string> {
    await adminQuery(this.adminUrl, `CREATE DATABASE ${quoteIdent(name)}`);
    return this.url(name);
  }

  signal(signal: NodeJS.Signals, scope: "server" | "postmaster" = "server"): void {
    const child = this.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    if (scope === "server") {
      // Backends call setsid(): no process group reaches them all, so find them by parent.
      for (const pid of childrenOf(child.pid)) {
        try {
          process.kill(pid, signal);
        } catch {
          // exited meanwhile
        }
      }
    }
  }

  async start(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) throw new Error("postgres is already running");
    const settings = { ...TEST_SETTINGS, ...this.opts.settings, port: String(this.port), listen_addresses: HOST };
    const args = ["-D", this.dataDir, ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])];
    const child = spawn(join(this.bin, "postgres"), args, { ...this.as, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" } });
    killOnExit(child);
    this.child = child;
    this.output = new OutputLines([child.stdout, child.stderr], { maxLines: 500 });
    this.exited = new Promise((resolve) => {
      child.once("exit", () => resolve());
      child.once("error", (err) => {
        this.output?.lines.push(String(err));
        resolve();
      });
    });
    if (child.pid) writeFileSync(join(this.dir.path, "postgres.pid"), String(child.pid)); // for the orphan reaper
    try {
      await this.output.waitFor((l) => (l.includes("ready to accept connections") ? true : undefined), this.opts.startTimeoutMs, this.exited);
    } catch (err) {
      this.signal("SIGKILL");
      throw new Error(`postgres on port ${this.port} did not start: ${(err as Error).message}\n${this.output.tail()}`);
    }
  }

  async stop(): Promise<void> {
    this.signal("SIGCONT"); // a stopped server cannot shut down
    this.signal("SIGINT", "postmaster"); // fast shutdown: abort transactions, checkpoint, exit
    await this.exited;
  }

  async kill(): Promise<void> {
    this.signal("SIGKILL");
    await this.exited;
  }

  async close(): Promise<void> {
    const timer = setTimeout(() => this.signal("SIGKILL"), 10_000);
    try {
      await this.stop();
    } finally {
      clearTimeout(timer);
      this.dir.remove();
    }
  }
}

/** Starts a private PostgreSQL on a free loopback port; see {@link PostgresServerHandle}. */
export async function startPostgres(options: Partial<PostgresServerOptions> = {}): Promise<PostgresServerHandle> {
  const opts = { ...defaults, ...options } satisfies PostgresServerOptions;
  const bin = opts.binDir ?? postgresBinDir();
  const as = await runAs();
  const dir = makeHarnessDir("postgres");
  try {
    const dataDir = join(dir.path, "data");
    mkdirSync(dataDir, { mode: 0o700 });
    if (as) {
      chmodSync(dir.path, 0o711); // the postgres user must reach its data directory inside
      chownSync(dataDir, as.uid, as.gid);
    }
    await initdb(bin, dataDir, as);
    // Two servers picking the same port at once: the loser fails to bind and tries another.
    for (let attempt = 1; ; attempt++) {
      const port = await findFreePort({ min: 20_000, max: 30_000 });
      const server = new PostgresServer(port, dataDir, dir, bin, as, opts);
      try {
        await server.start();
        return server;
      } catch (err) {
        const busy = /could not bind|Address already in use/.test(String((err as Error).message));
        if (!busy || attempt >= 5) throw err;
      }
    }
  } catch (err) {
    dir.remove();
    throw err;
  }
}

