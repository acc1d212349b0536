/**
 * Grouped bar charts as one self-contained SVG (no chart library): one panel per measure, one
 * group per x label, one bar per series, the value written over each bar.
 */
export interface Panel {
  title: string;
  unit: string;
  groups: string[];
  series: { name: string; values: (number | null)[] }[];
}

const COLORS = ["#2b6cb0", "#c05621", "#2f855a", "#6b46c1"];
const W = 460;
const H = 260;
const PAD = { left: 56, right: 12, top: 34, bottom: 28 };
const HEADER = 74;

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function fmt(v: number): string {
  if (v >= 10_000) return `${Math.round(v / 1000)}k`;
  if (v >= 1_000) return `${(v / 1000).toFixed(1)}k`;
  return v >= 10 ? String(Math.round(v)) : String(Math.round(v * 10) / 10);
}

function panel(p: Panel, x0: number, y0: number): string {
  const max = Math.max(1, ...p.series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const groupW = plotW / Math.max(1, p.groups.length);
  const barW = (groupW * 0.8) / Math.max(1, p.series.length);
  const out: string[] = [
    `<g transform="translate(${x0},${y0})">`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(p.title)}</text>`,
    `<text x="12" y="${PAD.top + plotH / 2}" font-size="11" transform="rotate(-90 12 ${PAD.top + plotH / 2})" text-anchor="middle">${esc(p.unit)}</text>`,
    `<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${W - PAD.right}" y2="${PAD.top + plotH}" stroke="#333"/>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + plotH}" stroke="#333"/>`,
    `<text x="${PAD.left - 4}" y="${PAD.top + 4}" font-size="10" text-anchor="end">${fmt(max)}</text>`,
    `<text x="${PAD.left - 4}" y="${PAD.top + plotH}" font-size="10" text-anchor="end">0</text>`,
  ];
  p.groups.forEach((g, gi) => {
    const gx = PAD.left + gi * groupW + groupW * 0.1;
    out.push(`<text x="${gx + groupW * 0.4}" y="${PAD.top + plotH + 14}" font-size="11" text-anchor="middle">${esc(g)}</text>`);
    p.series.forEach((s, si) => {
      const v = s.values[gi];
      if (v === null || v === undefined || !Number.isFinite(v)) return;
      const h = (Math.max(0, v) / max) * plotH;
      const x = gx + si * barW;
      const y = PAD.top + plotH - h;
      out.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[si % COLORS.length]}"/>`);
      out.push(`<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(y - 3).toFixed(1)}" font-size="9" text-anchor="middle">${fmt(v)}</text>`);
    });
  });
  out.push("</g>");
  return out.join("\n");
}

/** One legend for every panel (they share their series), on one line under the title. */
function legend(names: string[], width: number): string[] {
  const step = Math.min(230, width / Math.max(1, names.length));
  const x0 = (width - step * names.length) / 2;
  return names.flatMap((name, i) => [
    `<rect x="${x0 + i * step}" y="52" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/>`,
    `<text x="${x0 + i * step + 14}" y="61" font-size="11">${esc(name)}</text>`,
  ]);
}

/** Lays the panels out two per row. */
export function svgChart(title: string, subtitle: string, panels: Panel[]): string {
  const cols = 2;
  const rows = Math.ceil(panels.length / cols);
  const width = cols * W;
  const height = rows * H + HEADER;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`,
    `<text x="${width / 2}" y="40" text-anchor="middle" font-size="11" fill="#555">${esc(subtitle)}</text>`,
    ...legend(panels[0]?.series.map((s) => s.name) ?? [], width),
    ...panels.map((p, i) => panel(p, (i % cols) * W, HEADER + Math.floor(i / cols) * H)),
    "</svg>",
  ].join("\n");
}
