/** Finding a kind's numbers in a run's results, and the formats the tables share. */
import { KIND_LABELS, type ServerKind } from "../servers/server-kinds.js";
import type { StepResult } from "../scenarios/load-step.js";
import type { BenchResults, KindRun } from "./bench-results.js";

export const pct = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(1)}%` : "-");
export const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && b > 0 && Number.isFinite(a) ? a / b : undefined;
export const x = (r: number | undefined) => (r === undefined ? "-" : `${r.toFixed(2)}x`);
export const kb = (b: number) => (b / 1024).toFixed(1);

/** A kind's name in the tables; `before` names the commit it ran. */
export function label(results: BenchResults, kind: ServerKind): string {
  return kind === "before" ? `this server at ${results.beforeCommit ?? "--before"} (before)` : KIND_LABELS[kind];
}

export function run(results: BenchResults, kind: ServerKind, masters: number): KindRun | undefined {
  return results.runs.find((r) => r.kind === kind && r.masters === masters);
}

/** The fastest a kind delivered in the hot room: the ladder's best step (past saturation, less). */
export function saturation(r: KindRun | undefined): number | undefined {
  return r?.hot ? Math.max(...r.hot.steps.map((s) => s.deliveriesPerSec)) : undefined;
}

export function lastStep(r: KindRun | undefined): StepResult | undefined {
  return r?.hot?.steps[r.hot.steps.length - 1];
}
