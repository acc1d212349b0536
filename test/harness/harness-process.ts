/** A child process the harness owns: killed if the test process exits, output captured by line. */
import { spawn, type ChildProcess } from "node:child_process";
import { killOnExit } from "./exit-cleanup.js";
import { OutputLines } from "./output-lines.js";

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface HarnessProcess {
  child: ChildProcess;
  /** stdout and stderr, line by line. */
  output: OutputLines;
  /** Settles when the process has exited, or could not be started (the error is in `output`). */
  exited: Promise<ProcessExit>;
}

export interface HarnessProcessOptions {
  /** @default the test process's */
  cwd?: string;
  /** @default the test process's */
  env?: NodeJS.ProcessEnv;
  /** Output lines kept. @default 5000 */
  maxLines?: number;
}

/** Spawns `command` with piped output; see {@link HarnessProcess}. */
export function spawnHarnessProcess(command: string, args: string[], options: HarnessProcessOptions = {}): HarnessProcess {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
  killOnExit(child);
  const output = new OutputLines([child.stdout, child.stderr], { maxLines: options.maxLines ?? 5000 });
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", (err) => {
      output.lines.push(String(err));
      resolve({ code: null, signal: null });
    });
  });
  return { child, output, exited };
}
