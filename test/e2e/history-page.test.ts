/**
 * The viewer page pages back through a room's whole history (issue #20), in a real Chromium
 * against an embedded server whose hot window holds 20 entries and a SQLite archive that holds the
 * rest: the join shows the latest page, scrolling to the top brings older messages above without
 * moving what the reader sees, and the first row says "Beginning of chat" once nothing is older.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildClient } from "../../scripts/build-client.js";
import type { ArchivedEntry, MessageArchive } from "../../src/archive/message-archive.js";
import { openSqliteArchive } from "../../src/archive/sqlite/sqlite-archive.js";
import { encodeMessageId } from "../../src/store/message-id.js";
import { connectClient, join, sendChat, uniqueId, type ChatClient } from "../support/clients.js";
import { startEmbedded, type EmbeddedServer } from "../support/embedded-server.js";
import { launchChromium } from "./chromium.js";
import { PageDriver } from "./page-driver.js";

const OUTPUT = new URL("../../test-output/", import.meta.url);
const OLD = 60;
const RECENT = 20;

let srv: EmbeddedServer;
let archive: MessageArchive;
let dataDir: string;
let pages: PageDriver;
let sender: ChatClient | undefined;

beforeAll(async () => {
  dataDir = mkdtempSync(joinPath(tmpdir(), "history-page-"));
  archive = (await openSqliteArchive({ dataDir })).archive;
  await buildClient();
  const [browser, server] = await Promise.all([launchChromium(), startEmbedded({ ratePerSec: 1000, rateBurst: 1000, abuse: { perIpPerSec: 1_000_000, perUserPerSec: 1_000_000 } }, { storeOptions: { historySize: RECENT }, archive })]);
  srv = server;
  pages = new PageDriver(browser);
});

afterAll(async () => {
  sender?.close();
  await pages?.close();
  await srv?.close();
  await archive?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const texts = (page: import("playwright-core").Page) => page.$$eval(".messages li.msg .msg-text", (els) => els.map((e) => e.textContent));

it("scrolling to the top loads older messages from the archive, in order, keeping the reader's place, down to the beginning", async () => {
  const room = uniqueId("vod");
  // 60 messages from an hour ago, only in the archive (the hot window moved on) ...
  const t0 = Date.now() - 3_600_000;
  const old: ArchivedEntry[] = Array.from({ length: OLD }, (_, i) => ({ id: encodeMessageId(t0 + i * 1000, 0), room, kind: "chat", text: `older message ${i + 1}`, user: { id: "fan", name: "Fan", role: "viewer" }, ts: t0 + i * 1000 }));
  await archive.insert(old);
  // ... and 20 just now: the hot window's, archived too (the write-behind's job).
  sender = await connectClient(srv.url, { auth: { name: "Host" } });
  await join(sender, room);
  for (let i = 0; i < RECENT; i++) {
    const ack = await sendChat(sender, room, `recent message ${i + 1}`);
    if (!ack.ok) throw new Error(JSON.stringify(ack));
    await archive.insert(await srv.store.entriesBefore(room, undefined, 1));
  }
  const all = [...old.map((e) => e.text), ...Array.from({ length: RECENT }, (_, i) => `recent message ${i + 1}`)];

  const page = await pages.openViewer(srv.url, room, "Reader");
  const list = page.locator(".room:not([hidden]) .messages");
  await page.locator(".messages li.msg .msg-text", { hasText: `recent message ${RECENT}` }).waitFor();
  expect(await texts(page)).toEqual(all.slice(-RECENT)); // the join: the latest page only

  // The reader scrolls to the top: a page of 50 older messages goes in above.
  const topLine = () => page.evaluate(() => {
    const box = document.querySelector(".room:not([hidden]) .messages")!.getBoundingClientRect();
    return document.elementFromPoint(box.left + 200, box.top + 60)?.closest("li")?.textContent ?? null;
  });
  // What the reader sees at the top, read in the same task as the scroll (before any page comes).
  const seen = await list.evaluate((el) => {
    el.scrollTop = 0;
    const box = el.getBoundingClientRect();
    return document.elementFromPoint(box.left + 200, box.top + 60)?.closest("li")?.textContent ?? null;
  });
  expect(seen).toMatch(/recent message \d+/);
  await page.waitForFunction((n) => document.querySelectorAll(".messages li.msg").length >= n, RECENT + 50);
  expect(await texts(page)).toEqual(all.slice(-(RECENT + 50)));
  // Where the reader was is still in view at the same place (the page went in above it).
  expect(await topLine()).toBe(seen);
  expect(await page.locator(".history-edge").isHidden()).toBe(true);

  // Once more: the last 10, and the beginning of the chat is marked.
  await list.evaluate((el) => (el.scrollTop = 0));
  await page.locator(".history-edge", { hasText: "Beginning of chat" }).waitFor();
  expect(await texts(page)).toEqual(all);
  expect(await page.$$eval(".messages li.msg", (els) => new Set(els.map((e) => e.getAttribute("data-id"))).size)).toBe(OLD + RECENT);

  // The last page went in above the reader's place too: scrolled up, the marker is the first row.
  expect(await list.evaluate((el) => el.scrollTop)).toBeGreaterThan(100);
  await list.evaluate((el) => (el.scrollTop = 0));
  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: fileURLToPath(new URL("history-beginning.png", OUTPUT)) });

  // Live messages keep coming in at the bottom meanwhile.
  await sendChat(sender, room, "live after paging");
  await page.locator(".messages li.msg:last-child .msg-text", { hasText: "live after paging" }).waitFor();
}, 90_000);
