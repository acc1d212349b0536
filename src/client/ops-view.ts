/**
 * Renders a cluster view (GET /api/v1/cluster) on the /ops page: the totals as tiles with
 * sparklines, the charts, the replicas (with the ones that stopped beating), the top rooms.
 * Everything shown goes in as text (room names are user input).
 */
import type { ClusterView, ReplicaView } from "../protocol/index.js";
import { shortNumber, timeSpan } from "./chart-geometry.js";
import { byId, clock, h } from "./dom.js";
import type { ClusterHistory, GoneReplica, TotalName } from "./ops-history.js";
import { drawLineChart, PALETTE, svgElement } from "./svg-chart.js";

/** What a tile reads besides the view: the replicas that left it lately (the page's memory). */
interface TileContext {
  gone: number;
}

interface Tile {
  name: TotalName;
  label: string;
  value: (v: ClusterView) => string;
  note: (v: ClusterView, c: TileContext) => string;
  /** Shown as a warning while true. */
  warn?: (v: ClusterView, c: TileContext) => boolean;
}

const minutes = (v: ClusterView) => `last ${Math.round(v.windowSec / 60)} min`;

const TILES: Tile[] = [
  {
    name: "replicasUp",
    label: "Replicas up",
    value: (v) => String(v.totals.replicasUp),
    note: replicasNote,
    warn: (v, c) => c.gone > 0 || v.replicas.some((r) => r.state === "late"),
  },
  { name: "connections", label: "Connections", value: (v) => shortNumber(v.totals.connections), note: () => "all replicas" },
  { name: "rooms", label: "Rooms", value: (v) => shortNumber(v.totals.rooms), note: () => "with viewers, each once" },
  { name: "messagesPerSec", label: "Messages/s", value: (v) => shortNumber(v.totals.messagesPerSec), note: () => "stored" },
  { name: "deliveriesPerSec", label: "Deliveries/s", value: (v) => shortNumber(v.totals.deliveriesPerSec), note: () => "packets to viewers" },
  { name: "slowConsumers", label: "Slow consumers", value: (v) => shortNumber(v.totals.slowConsumers), note: minutes, warn: (v) => v.totals.slowConsumers > 0 },
  {
    name: "shortfalls",
    label: "Shortfalls",
    value: (v) => shortNumber(v.totals.shortfalls.refused + v.totals.shortfalls.degraded),
    note: (v) => `${v.totals.shortfalls.refused} refused · ${v.totals.shortfalls.degraded} degraded · ${minutes(v)}`,
    warn: (v) => v.totals.shortfalls.refused + v.totals.shortfalls.degraded > 0,
  },
];

function replicasNote(v: ClusterView, c: TileContext): string {
  const late = v.replicas.filter((r) => r.state === "late").length;
  const parts = [late > 0 ? `${late} late` : "", c.gone > 0 ? `${c.gone} gone` : ""].filter(Boolean);
  return parts.length > 0 ? parts.join(" · ") : "all beating";
}

/** Colours per replica id, in the order the page first saw them. */
export class ReplicaColors {
  private readonly colors = new Map<string, string>();

  of(id: string): string {
    let c = this.colors.get(id);
    if (!c) this.colors.set(id, (c = PALETTE[this.colors.size % PALETTE.length]!));
    return c;
  }
}

export class OpsView {
  private readonly tiles = new Map<TotalName, { root: HTMLElement; value: HTMLElement; note: HTMLElement; spark: SVGSVGElement }>();
  private readonly rates = svgElement("chart", "Messages and deliveries per second, up to the last 5 minutes");
  private readonly connections = svgElement("chart", "Connections per replica, up to the last 5 minutes");
  readonly colors = new ReplicaColors();

  constructor() {
    const tiles = byId("tiles");
    for (const t of TILES) {
      const value = h("span", { className: "tile-value" });
      const note = h("span", { className: "tile-note" });
      const spark = svgElement("spark", `${t.label}, up to the last 5 minutes`);
      const root = h("div", { className: "tile", dataset: { total: t.name } }, h("span", { className: "tile-label", text: t.label }), value, spark, note);
      tiles.append(root);
      this.tiles.set(t.name, { root, value, note, spark });
    }
    byId("chart-rates").append(this.rates);
    byId("chart-connections").append(this.connections);
  }

  render(view: ClusterView, history: ClusterHistory, now: number): void {
    byId("cluster-name").textContent = view.cluster;
    const window = timeSpan(history.firstAt(), now, 60_000, 300_000);
    const gone = history.gone();
    const context: TileContext = { gone: gone.length };
    for (const t of TILES) {
      const tile = this.tiles.get(t.name)!;
      tile.value.textContent = t.value(view);
      tile.note.textContent = t.note(view, context);
      tile.root.classList.toggle("warn", t.warn?.(view, context) ?? false);
      drawLineChart(tile.spark, [{ name: t.name, points: history.total(t.name) }], { width: 120, height: 28, ...window });
    }

    const rateSeries = [
      { name: "Messages/s", points: history.total("messagesPerSec") },
      { name: "Deliveries/s", points: history.total("deliveriesPerSec") },
    ];
    drawLineChart(this.rates, rateSeries, { width: 600, height: 190, axis: true, ...window });
    legend(byId("legend-rates"), rateSeries.map((s, i) => ({ color: PALETTE[i]!, label: s.name, value: shortNumber(s.points.at(-1)?.v ?? 0) })));

    const perReplica = history.connectionsByReplica();
    const colors = perReplica.map((s) => this.colors.of(s.name));
    drawLineChart(this.connections, perReplica, { width: 600, height: 190, axis: true, colors, ...window });
    const current = new Map(view.replicas.map((r) => [r.id, r]));
    legend(
      byId("legend-connections"),
      perReplica.map((s, i) => ({ color: colors[i]!, label: shortId(s.name), value: current.has(s.name) ? shortNumber(current.get(s.name)!.connections) : "gone" })),
    );

    this.renderReplicas(view, gone, now);
    rows(byId("top-viewers"), view.topRooms.byViewers.map((r) => ({ room: r.room, value: r.viewers, label: shortNumber(r.viewers) })));
    rows(byId("top-messages"), view.topRooms.byMessages.map((r) => ({ room: r.room, value: r.messagesPerSec, label: shortNumber(r.messagesPerSec) })));
  }

  private renderReplicas(view: ClusterView, gone: GoneReplica[], now: number): void {
    const body = byId("replicas").querySelector("tbody")!;
    const list = [...view.replicas.map((r) => replicaRow(r, this.colors.of(r.id), view.at)), ...gone.map((g) => goneRow(g, this.colors.of(g.replica.id), now))];
    body.replaceChildren(...(list.length > 0 ? list : [h("tr", {}, emptyCell(11, "No replica is beating."))]));
  }
}

function shortId(id: string): string {
  return id.length > 28 ? `${id.slice(0, 27)}…` : id;
}

function cell(col: string, text: string, className = "num"): HTMLTableCellElement {
  return h("td", { className, text, dataset: { col } });
}

function emptyCell(span: number, text: string): HTMLTableCellElement {
  return h("td", { className: "empty", text, attrs: { colspan: String(span) } });
}

function who(r: ReplicaView, color: string): HTMLTableCellElement {
  const swatch = h("span", { className: "swatch" });
  swatch.style.background = color; // CSSOM: allowed under the CSP (a style attribute would not be)
  return h("td", { className: "replica-id", dataset: { col: "id" } }, swatch, h("span", { text: shortId(r.id), attrs: { title: r.id } }), h("small", { text: r.address }));
}

function stateCell(state: string, text: string): HTMLTableCellElement {
  return h("td", { dataset: { col: "state" } }, h("span", { className: `state state-${state}`, text }));
}

function uptime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7_200) return `${Math.floor(s / 60)} min`;
  if (s < 172_800) return `${Math.floor(s / 3_600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

function figures(r: ReplicaView): HTMLTableCellElement[] {
  return [
    cell("connections", shortNumber(r.connections)),
    cell("rooms", shortNumber(r.rooms)),
    cell("messages", shortNumber(r.messagesPerSec)),
    cell("deliveries", shortNumber(r.deliveriesPerSec)),
    cell("lag", `${r.eventLoopLagMs.p99} / ${r.eventLoopLagMs.max}`),
    cell("slow", String(r.slowConsumers)),
    cell("shortfalls", `${r.shortfalls.refused} / ${r.shortfalls.degraded}`),
    cell("version", r.version, "version"),
  ];
}

function replicaRow(r: ReplicaView, color: string, at: number): HTMLTableRowElement {
  const state = r.state === "up" ? stateCell("up", "up") : stateCell("late", `no beat for ${(r.ageMs / 1000).toFixed(1)} s`);
  return h("tr", { dataset: { replica: r.id, state: r.state } }, who(r, color), state, cell("uptime", uptime(at - r.startedAt)), ...figures(r));
}

function goneRow(g: GoneReplica, color: string, now: number): HTMLTableRowElement {
  const ago = Math.round((now - g.lastBeatAt) / 1000);
  const state = stateCell("gone", `gone: last beat ${clock(g.lastBeatAt)} (${ago} s ago)`);
  const row = h("tr", { className: "gone", dataset: { replica: g.replica.id, state: "gone" } }, who(g.replica, color), state, cell("uptime", "–"), ...figures(g.replica));
  row.title = "Its heartbeat expired: it stopped, crashed or lost Redis. Figures are from its last beat.";
  return row;
}

function legend(root: HTMLElement, items: { color: string; label: string; value: string }[]): void {
  root.replaceChildren(
    ...items.map((item) => {
      const swatch = h("span", { className: "swatch" });
      swatch.style.background = item.color;
      return h("span", { className: "legend-item" }, swatch, `${item.label} `, h("strong", { text: item.value }));
    }),
  );
}

/** A top-rooms table: room, a bar scaled to the first row, the value. */
function rows(table: HTMLElement, list: { room: string; value: number; label: string }[]): void {
  const body = table.querySelector("tbody")!;
  const top = list[0]?.value ?? 0;
  body.replaceChildren(
    ...(list.length === 0
      ? [h("tr", {}, emptyCell(3, "No room yet."))]
      : list.map((r, i) => {
          const bar = h("span", { className: "bar" });
          bar.style.width = `${top > 0 ? Math.max(2, (r.value / top) * 100) : 0}%`;
          return h(
            "tr",
            { dataset: { room: r.room } },
            h("td", { className: "rank", text: String(i + 1) }),
            h("td", { className: "top-room" }, h("span", { className: "top-room-name", text: r.room }), h("span", { className: "bar-track" }, bar)),
            h("td", { className: "num", text: r.label, dataset: { col: "value" } }),
          );
        })),
  );
}
