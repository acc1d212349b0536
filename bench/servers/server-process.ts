/**
 * One measured server process (this server's replica or a baseline), started with the memory probe
 * preloaded and an IPC channel; learns its port from the `chat server listening` log line.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const PROBE = fileURLToPath(new URL("../probe/memory-probe.ts", import.meta.url));
/** The harness's guard: a server whose bench was killed (SIGKILL, no cleanup) stops by itself. */
const EXIT_WITH_PARENT = fileURLToPath(new URL("../../test/harness/exit-with-parent.ts", import.meta.url));

export interface ServerProcessOptions {
  /** The program, relative to the working directory (the repository root). */
  script: string;
  args: string[];
  /** Replaces the environment (only what is given, plus PATH). */
  env: Record<string, string>;
  /** Extra node flags, e.g. `--cpu-prof`. @default [] */
  nodeArgs: string[];
  /** @default 30_000 */
  startTimeoutMs: number;
  /**
   * Open files the server may hold (one per connection): where the inherited limit is lower, its
   * soft and hard limit are raised to this with `ulimit -n` in a shell that then execs node; where
   * the hard limit cannot be raised (no CAP_SYS_RESOURCE), the soft limit goes up to the hard one.
   * Read what it got with `openFilesLimit()` (bench/measure/proc-stats.ts). @default undefined (inherited)
   */
  openFiles: number;
}

export interface MemoryUsage {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

export class ServerProcess {
  private exited = false;
  /** How it ended (exit code or signal, and its last output lines), once it has. */
  private ending: string | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    /** Its last 40 output lines, kept up to date (shared with the line readers). */
    private readonly tail: string[],
  ) {
    child.once("exit", (code, signal) => {
      this.exited = true;
      const last = this.tail.filter((l) => /error|heap|memory|killed/i.test(l)).slice(-1)[0];
      this.ending = `exited (${code ?? signal})${last ? `: ${last.slice(0, 160)}` : ""}`;
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static start(options: Pick<ServerProcessOptions, "script" | "args" | "env"> & Partial<ServerProcessOptions>): Promise<ServerProcess> {
    const node = [
      process.execPath,
      "--expose-gc",
      ...(options.nodeArgs ?? []),
      ...["--import", "tsx", "--import", PROBE, "--import", EXIT_WITH_PARENT],
      options.script,
      ...options.args,
    ];
    const files = options.openFiles;
    const [command, ...args] =
      files === undefined
        ? node
        : [
            "/bin/sh",
            "-c",
            // Only ever raised: to `files`, else as far as the hard limit allows.
            `n=${Math.floor(files)}; cur=$(ulimit -n); if [ "$cur" != unlimited ] && [ "$cur" -lt "$n" ]; then ulimit -n "$n" 2>/dev/null || ulimit -S -n "$(ulimit -H -n)"; fi; exec "$@"`,
            "sh",
            ...node,
          ];
    const child = spawn(command!, args, { env: { PATH: process.env.PATH ?? "", ...options.env }, stdio: ["ignore", "pipe", "pipe", "ipc"] });
    const output: string[] = [];
    const keep = (line: string) => {
      output.push(line);
      if (output.length > 40) output.shift();
    };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`${options.script} did not listen within ${options.startTimeoutMs ?? 30_000} ms:\n${output.join("\n")}`));
      }, options.startTimeoutMs ?? 30_000);
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${options.script} exited (${code ?? signal}) before listening:\n${output.join("\n")}`));
      });
      createInterface({ input: child.stderr! }).on("line", keep);
      createInterface({ input: child.stdout! }).on("line", (line) => {
        keep(line);
        if (!line.includes("chat server listening")) return;
        try {
          const port = (JSON.parse(line) as { port?: unknown }).port;
          if (typeof port !== "number") return;
          clearTimeout(timer);
          child.removeAllListeners("exit");
          resolve(new ServerProcess(child, port, output));
        } catch {
          // A pretty-printed or partial line: keep waiting for the JSON one.
        }
      });
    });
  }

  /** Undefined while it runs; else how it ended (e.g. a baseline out of memory under a high rate). */
  get exitReason(): string | undefined {
    return this.ending;
  }

  /** GC twice inside the server, then its memory usage as the server sees it. */
  memory(timeoutMs = 10_000): Promise<MemoryUsage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.off("message", listener);
        reject(new Error(`memory probe of pid ${this.pid} timed out`));
      }, timeoutMs);
      const listener = (msg: { probe?: string } & MemoryUsage) => {
        if (msg?.probe !== "memory") return;
        clearTimeout(timer);
        this.child.off("message", listener);
        resolve(msg);
      };
      this.child.on("message", listener);
      this.child.send({ probe: "memory" });
    });
  }

  /** Writes a heap snapshot of the server to `path` (resolves once written). */
  snapshot(path: string, timeoutMs = 120_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.off("message", listener);
        reject(new Error(`heap snapshot of pid ${this.pid} timed out`));
      }, timeoutMs);
      const listener = (msg: { probe?: string }) => {
        if (msg?.probe !== "snapshot") return;
        clearTimeout(timer);
        this.child.off("message", listener);
        resolve();
      };
      this.child.on("message", listener);
      this.child.send({ probe: "snapshot", path });
    });
  }

  /** SIGTERM (graceful: lets `--cpu-prof` write its profile), SIGKILL after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.child.once("exit", () => r()));
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await gone;
    clearTimeout(timer);
  }
}
