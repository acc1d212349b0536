/**
 * The arithmetic of the /ops page's charts, apart from the DOM (svg-chart.ts draws with it):
 * a rounded top for the y axis, and a series as SVG polyline points.
 */
import type { Point } from "./ops-history.js";

export interface Plot {
  /** Drawing area inside the SVG's viewBox, in its units. */
  left: number;
  top: number;
  width: number;
  height: number;
  /** Time shown, ms since the epoch: `from` at the left edge, `to` at the right. */
  from: number;
  to: number;
  /** Value at the top edge (0 at the bottom). */
  yMax: number;
}

/** The smallest of 1, 2, 2.5, 5 × 10^n at or above `max` (1 at least), so the axis reads well. */
export function niceMax(max: number): number {
  if (!(max > 1)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= max) return step * magnitude;
  return 10 * magnitude;
}

/** `x,y x,y ...` for an SVG polyline; points outside [from, to] are left out, values are clamped to the plot. */
export function polylinePoints(points: readonly Point[], plot: Plot): string {
  const span = Math.max(1, plot.to - plot.from);
  const out: string[] = [];
  for (const p of points) {
    if (p.t < plot.from || p.t > plot.to) continue;
    const x = plot.left + ((p.t - plot.from) / span) * plot.width;
    const y = plot.top + plot.height - (Math.min(Math.max(p.v, 0), plot.yMax) / plot.yMax) * plot.height;
    out.push(`${round(x)},${round(y)}`);
  }
  return out.join(" ");
}

/** Short numbers for axes and tiles: 950, 9.5k, 12k, 1.2M; rates keep one decimal below 10. */
export function shortNumber(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e6) return `${trimZero((n / 1e6).toFixed(abs >= 1e7 ? 0 : 1))}M`;
  if (abs >= 1e3) return `${trimZero((n / 1e3).toFixed(abs >= 1e4 ? 0 : 1))}k`;
  if (Number.isInteger(n) || abs >= 10) return String(Math.round(n));
  return trimZero(n.toFixed(1));
}

/**
 * The time a chart shows, ending `now`: from the first poll, widened to `minMs` so a fresh page
 * does not stretch two points over the whole width, and at most `maxMs` back.
 */
export function timeSpan(firstAt: number | undefined, now: number, minMs: number, maxMs: number): { from: number; to: number } {
  const from = Math.min(firstAt ?? now, now - minMs);
  return { from: Math.max(from, now - maxMs), to: now };
}

/** The left end of a time axis: "−45 s", "−5 min". */
export function spanLabel(ms: number): string {
  return ms < 120_000 ? `−${Math.round(ms / 1000)} s` : `−${Math.round(ms / 60_000)} min`;
}

const round = (n: number) => Math.round(n * 10) / 10;
const trimZero = (s: string) => s.replace(/\.0$/, "");
