/**
 * Hand-drawn SVG line charts for the /ops page: a few polylines and three gridlines, redrawn at
 * each poll. No chart library: two small charts and a row of sparklines need about this much
 * code, and the page stays one small bundle from our own origin.
 */
import { niceMax, polylinePoints, shortNumber, spanLabel, type Plot } from "./chart-geometry.js";
import type { Series } from "./ops-history.js";

const SVG = "http://www.w3.org/2000/svg";

/** Line colours, in the order series are first seen (a replica keeps its colour). */
export const PALETTE = ["#6d28d9", "#0e7490", "#c2410c", "#15803d", "#be185d", "#1d4ed8", "#a16207", "#4b5563"];

export interface LineChartOptions {
  /** viewBox size. */
  width: number;
  height: number;
  /** Time shown: `from` to `to` (ms since the epoch). */
  from: number;
  to: number;
  /** Gridlines with values, and the time at both ends. @default false (a sparkline) */
  axis?: boolean;
  /** One colour per series. @default PALETTE in order */
  colors?: readonly string[];
}

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Redraws `svg` with `series` (a line each; a single point as a dot). */
export function drawLineChart(svg: SVGSVGElement, series: readonly Series[], o: LineChartOptions): void {
  const axis = o.axis ?? false;
  const colors = o.colors ?? PALETTE;
  let max = 0;
  for (const s of series) for (const p of s.points) if (p.t >= o.from && p.v > max) max = p.v;
  const plot: Plot = axis
    ? { left: 44, top: 10, width: o.width - 54, height: o.height - 32, from: o.from, to: o.to, yMax: niceMax(max) }
    : { left: 1, top: 2, width: o.width - 2, height: o.height - 4, from: o.from, to: o.to, yMax: niceMax(max) };
  svg.setAttribute("viewBox", `0 0 ${o.width} ${o.height}`);
  const parts: SVGElement[] = [];
  if (axis) {
    for (const f of [0, 0.5, 1]) {
      const y = plot.top + plot.height - f * plot.height;
      parts.push(el("line", { x1: plot.left, x2: plot.left + plot.width, y1: y, y2: y, class: "grid" }));
      parts.push(el("text", { x: plot.left - 6, y: y + 4, "text-anchor": "end", class: "tick" }, shortNumber(f * plot.yMax)));
    }
    const bottom = plot.top + plot.height + 16;
    parts.push(el("text", { x: plot.left, y: bottom, class: "tick" }, spanLabel(o.to - o.from)));
    parts.push(el("text", { x: plot.left + plot.width, y: bottom, "text-anchor": "end", class: "tick" }, "now"));
  }
  series.forEach((s, i) => {
    const color = colors[i % colors.length]!;
    const points = polylinePoints(s.points, plot);
    if (!points) return;
    if (!points.includes(" ")) {
      const [x, y] = points.split(",");
      parts.push(el("circle", { cx: x!, cy: y!, r: 2.5, fill: color }));
    } else {
      parts.push(el("polyline", { points, fill: "none", stroke: color, "stroke-width": axis ? 2 : 1.5, "stroke-linejoin": "round", "vector-effect": "non-scaling-stroke" }));
    }
  });
  svg.replaceChildren(...parts);
}

/** An empty `<svg>` for {@link drawLineChart}. */
export function svgElement(className: string, label: string): SVGSVGElement {
  return el("svg", { class: className, role: "img", "aria-label": label, preserveAspectRatio: "none" });
}
