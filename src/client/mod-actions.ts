/** How the studio's moderation controls act: one click, the control busy meanwhile, the outcome in the room's status line. */
import { h } from "./dom.js";

export interface Reporter {
  /** A line for the room's status: what happened, or why not. */
  report(text: string): void;
}

/** Runs `run` with `control` disabled; a failure is reported as "could not <what>: ...". */
export function busy(control: HTMLButtonElement | HTMLSelectElement | HTMLInputElement, what: string, deps: Reporter, run: () => Promise<void>): void {
  control.disabled = true;
  void run()
    .catch((err: unknown) => deps.report(`could not ${what}: ${err instanceof Error ? err.message : String(err)}`))
    .finally(() => (control.disabled = false));
}

/** A button that runs `run` once per click. */
export function actionButton(text: string, className: string, label: string, deps: Reporter, what: string, run: () => Promise<void>): HTMLButtonElement {
  const b = h("button", { className, text, attrs: { type: "button", "aria-label": label } });
  b.addEventListener("click", () => busy(b, what, deps, run));
  return b;
}
