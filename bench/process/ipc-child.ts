/** A forked TypeScript program the bench talks to over IPC: request/reply by id, killed for sure. */
import { fork, type ChildProcess } from "node:child_process";

export interface IpcChildOptions {
  /** Extra node flags before `--import tsx`. @default [] */
  execArgv: string[];
  args: string[];
  /** @default 60_000 */
  callTimeoutMs: number;
}

export class IpcChild<Cmd> {
  readonly process: ChildProcess;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited = false;

  constructor(
    script: string,
    private readonly options: Partial<IpcChildOptions> = {},
  ) {
    this.process = fork(script, options.args ?? [], {
      // BENCH_LOAD_PROF_DIR: CPU profiles of the load processes (what a client's work per message is).
      execArgv: [
        ...(options.execArgv ?? []),
        ...(process.env.BENCH_LOAD_PROF_DIR ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_LOAD_PROF_DIR}`] : []),
        "--import",
        "tsx",
      ],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.process.on("message", (raw: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const p = this.pending.get(raw.id);
      if (!p) return;
      this.pending.delete(raw.id);
      if (raw.ok) p.resolve(raw.result);
      else p.reject(new Error(raw.error));
    });
    this.process.on("exit", (code, signal) => {
      this.exited = true;
      for (const p of this.pending.values()) p.reject(new Error(`${script} exited (${code ?? signal})`));
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  call<T>(cmd: Cmd, timeoutMs = this.options.callTimeoutMs ?? 60_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error("child exited"));
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`IPC call ${JSON.stringify(cmd).slice(0, 80)} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.process.send({ id, cmd });
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async kill(graceMs = 2_000): Promise<void> {
    if (this.exited || this.process.exitCode !== null) return;
    const gone = new Promise<void>((r) => this.process.once("exit", () => r()));
    this.process.kill("SIGTERM");
    const timer = setTimeout(() => this.process.kill("SIGKILL"), graceMs);
    await gone;
    clearTimeout(timer);
  }
}
