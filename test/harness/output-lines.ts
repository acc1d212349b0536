/** Captures a child process's output line by line, for readiness checks and failure reports. */
import type { Readable } from "node:stream";

export interface OutputLinesOptions {
  /** Lines kept; older ones are dropped so a chatty process cannot fill memory. @default 5000 */
  maxLines: number;
}

export class OutputLines {
  readonly lines: string[] = [];
  private readonly maxLines: number;
  private readonly waiters = new Set<(line: string) => void>();

  constructor(streams: (Readable | null)[], options: Partial<OutputLinesOptions> = {}) {
    this.maxLines = options.maxLines ?? 5000;
    for (const stream of streams) {
      if (!stream) continue;
      let partial = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        const parts = (partial + chunk).split("\n");
        partial = parts.pop() ?? "";
        for (const line of parts) this.push(line);
      });
      stream.on("end", () => {
        if (partial) this.push(partial);
        partial = "";
      });
    }
  }

  private push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
    for (const waiter of this.waiters) waiter(line);
  }

  /**
   * Resolves with the first line (already seen or still to come) for which `match` returns a value
   * other than undefined; rejects on timeout or when `abort` settles first.
   */
  waitFor<T>(match: (line: string) => T | undefined, timeoutMs: number, abort?: Promise<unknown>): Promise<T> {
    for (const line of this.lines) {
      const found = match(line);
      if (found !== undefined) return Promise.resolve(found);
    }
    return new Promise<T>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching output line within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (line: string) => {
        const found = match(line);
        if (found === undefined) return;
        done();
        resolve(found);
      };
      this.waiters.add(waiter);
      abort?.then(
        () => {
          done();
          reject(new Error("process exited before the expected output"));
        },
        () => undefined,
      );
    });
  }

  /** The last `n` lines, for an error message. */
  tail(n = 40): string {
    return this.lines.slice(-n).join("\n");
  }
}
