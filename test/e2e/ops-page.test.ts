/**
 * Issue 23: the cluster page (/ops) in Debian's Chromium against two replica processes on the
 * suite's Redis Cluster. It asks for the API key and keeps it in the tab only, shows the clients
 * this test connected (per replica, in all, the busiest rooms), and a replica that is SIGKILLed as
 * late, then gone. It leaves screenshots in test-output/ (docs/ops.png is one of them).
 */
import { mkdir } from "node:fs/promises";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildClient } from "../../scripts/build-client.js";
import { startReplicas, stopReplicas, type Replica } from "../harness/replica.js";
import { join, sendChat, uniqueId, type ChatClient } from "../support/clients.js";
import { FAST } from "../support/embedded-server.js";
import { ClientPool } from "../support/use-clients.js";
import { launchChromium } from "./chromium.js";
import { PageDriver } from "./page-driver.js";

const KEY = "ops-page-e2e-key-000001";
const CLUSTER = `e2e-${Math.random().toString(36).slice(2, 8)}`;
const OUTPUT = new URL("../../test-output/", import.meta.url);
const RUN = Math.random().toString(36).slice(2, 6);
const [LOBBY, SPEEDRUN, QNA] = [`lobby-${RUN}`, `speedrun-${RUN}`, `qna-${RUN}`];

let pages: PageDriver;
let a: Replica;
let b: Replica;
const clients = new ClientPool();
let traffic: { stop(): Promise<void> } | undefined;

beforeAll(async () => {
  await mkdir(OUTPUT, { recursive: true });
  const env = { REDIS_CLUSTER_NODES: inject("redisCluster").seeds, API_KEYS: KEY, CLUSTER_NAME: CLUSTER, ...FAST };
  const [browser, replicas] = await Promise.all([launchChromium(), startReplicas(2, { env }), buildClient()]);
  pages = new PageDriver(browser);
  [a, b] = replicas as [Replica, Replica];
}, 120_000);

afterAll(async () => {
  await traffic?.stop();
  clients.closeAll();
  await pages?.close();
  await stopReplicas([a, b].filter(Boolean));
});

async function connect(replica: Replica, rooms: string[]): Promise<ChatClient> {
  const c = await clients.connect(replica);
  for (const room of rooms) expect((await join(c, room)).ok).toBe(true);
  return c;
}

/** Messages into `room` from `client`, `perSec` a second, until stopped (at most 2 minutes). */
function steady(client: ChatClient, room: string, perSec: number): { stop(): Promise<void> } {
  let on = true;
  const loop = (async () => {
    for (let i = 0; on && i < perSec * 120; i++) {
      await sendChat(client, room, `tick ${i}`);
      await new Promise((r) => setTimeout(r, 1000 / perSec));
    }
  })();
  return {
    async stop() {
      on = false;
      await loop;
    },
  };
}

const tile = (page: Page, name: string) => page.locator(`.tile[data-total="${name}"] .tile-value`);
const replicaCell = (page: Page, r: Replica, col: string) => page.locator(`#replicas tr[data-replica="${r.replicaId}"] td[data-col="${col}"]`);
/** Waits until the element's text is exactly `text` (the page re-renders every 2 s). */
const shows = (page: Page, selector: ReturnType<typeof tile>, text: string) =>
  expect.poll(() => selector.textContent({ timeout: 1_000 }).catch(() => null), { timeout: 20_000, interval: 250 }).toBe(text);

describe("the cluster page", () => {
  let page: Page;

  it("refuses a wrong key, then shows the clients connected to both replicas, the rooms and the traffic", async () => {
    page = await pages.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    const requests: string[] = [];
    const problems: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    page.on("pageerror", (e) => problems.push(e.message));

    const res = await page.goto(`${a.url}/ops`);
    const viewer = await fetch(`${a.url}/`);
    expect(res?.headers()["content-security-policy"]).toBe(viewer.headers.get("content-security-policy"));
    expect(res?.headers()["content-security-policy"]).toContain("default-src 'self'");

    await page.fill("#api-key", "not-the-key-0000000001");
    await page.click("#key-form button[type=submit]");
    await page.locator("#key-error", { hasText: "refused this API key" }).waitFor();
    expect(await page.isVisible("#ops")).toBe(false);
    expect(await page.evaluate(() => sessionStorage.length + localStorage.length)).toBe(0);

    // Viewers: 3 on A (lobby, one also in qna), 5 on B (lobby, one also in speedrun); chat in lobby from A.
    const onA = await Promise.all([connect(a, [LOBBY, QNA]), connect(a, [LOBBY]), connect(a, [LOBBY])]);
    await Promise.all([connect(b, [LOBBY, SPEEDRUN]), ...[1, 2, 3, 4].map(() => connect(b, [LOBBY]))]);
    traffic = steady(onA[0]!, LOBBY, 8);

    await page.fill("#api-key", KEY);
    await page.click("#key-form button[type=submit]");
    await page.waitForSelector('#feed[data-state="connected"]');
    expect(await page.locator("#cluster-name").textContent()).toBe(CLUSTER);
    await shows(page, tile(page, "connections"), "8");
    await shows(page, tile(page, "replicasUp"), "2");
    await shows(page, tile(page, "rooms"), "3");
    await shows(page, replicaCell(page, a, "connections"), "3");
    await shows(page, replicaCell(page, b, "connections"), "5");
    await shows(page, replicaCell(page, a, "rooms"), "2");
    await shows(page, replicaCell(page, b, "rooms"), "2");
    await shows(page, page.locator(`#top-viewers tr[data-room="${LOBBY}"] td[data-col="value"]`), "8");
    await shows(page, page.locator("#top-viewers tbody tr:first-child .top-room-name"), LOBBY);
    await shows(page, page.locator("#top-messages tbody tr:first-child .top-room-name"), LOBBY);
    await expect.poll(async () => Number(await replicaCell(page, b, "deliveries").textContent()), { timeout: 20_000 }).toBeGreaterThan(0);
    for (const r of [a, b]) expect(await page.locator(`#replicas tr[data-replica="${r.replicaId}"]`).getAttribute("data-state")).toBe("up");

    // A few polls for the charts (every 2 s; the page keeps them in the tab), then the picture for the README.
    const points = (chart: string) => page.$$eval(`${chart} polyline`, (lines) => lines.map((l) => l.getAttribute("points")!.split(" ").length));
    await expect.poll(async () => Math.min(...(await points("#chart-rates"))), { timeout: 30_000 }).toBeGreaterThanOrEqual(6);
    expect(await points("#chart-rates")).toHaveLength(2);
    expect(await points("#chart-connections")).toHaveLength(2);
    await page.screenshot({ path: new URL("ops.png", OUTPUT).pathname, fullPage: true });

    // The key lives in this tab's sessionStorage only: a reload keeps it, another tab (context) asks again.
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual(["live-chat-ops:api-key"]);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    const other = await pages.newPage();
    await other.goto(`${a.url}/ops`);
    await other.waitForSelector("#key-form:not([hidden])");
    await page.reload();
    await page.waitForSelector('#feed[data-state="connected"]');
    await shows(page, tile(page, "connections"), "8");

    // Everything came from the replica's own origin; no CSP violation, no script error.
    expect(requests.filter((u) => !u.startsWith(`${a.url}/`))).toEqual([]);
    expect(problems.filter((p) => !p.includes("401"))).toEqual([]);
  });

  it("shows a SIGKILLed replica late, then gone, and the totals without it", async () => {
    b.kill("SIGKILL");
    await b.exited;
    const row = page.locator(`#replicas tr[data-replica="${b.replicaId}"]`);
    await expect.poll(() => row.getAttribute("data-state", { timeout: 1_000 }), { timeout: 15_000, interval: 200 }).toBe("late");
    expect(await row.locator(".state").textContent()).toMatch(/^no beat for \d+\.\d s$/);
    await expect.poll(() => row.getAttribute("data-state", { timeout: 1_000 }), { timeout: 15_000, interval: 200 }).toBe("gone");
    expect(await row.locator(".state").textContent()).toMatch(/^gone: last beat \d\d:\d\d(:\d\d)? \(\d+ s ago\)$/);
    await shows(page, tile(page, "replicasUp"), "1");
    await shows(page, page.locator('.tile[data-total="replicasUp"] .tile-note'), "1 gone");
    expect(await page.locator('.tile[data-total="replicasUp"]').getAttribute("class")).toContain("warn");
    await shows(page, tile(page, "connections"), "3");
    await page.screenshot({ path: new URL("ops-replica-gone.png", OUTPUT).pathname, fullPage: true });
  });
});
