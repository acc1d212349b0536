/**
 * The embed example (examples/embed/index.html) run as a site would run it: served from the site's
 * own origin, loading the SDK bundle from the chat server's /sdk/chat-sdk.js, in a real Chromium,
 * against an in-process chat server (embedded mode). docs/embed.md points here.
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildSdk } from "../../scripts/build-sdk.js";
import { connectClient, join, nextEvent, sendChat, uniqueId, type ChatClient } from "../support/clients.js";
import { startEmbedded, type EmbeddedServer } from "../support/embedded-server.js";
import { launchChromium } from "./chromium.js";

const EXAMPLE = new URL("../../examples/embed/index.html", import.meta.url);

let chat: EmbeddedServer;
let site: { server: Server; url: string };
let browser: Browser;
const sockets: ChatClient[] = [];

/** The site: the example page at `/`, and a plain page to leave to. */
async function serveSite(): Promise<{ server: Server; url: string }> {
  const html = await readFile(EXAMPLE, "utf8");
  const server = createServer((req, res) => {
    res.setHeader("Content-Type", "text/html; charset=utf-8");
    res.end(req.url?.startsWith("/away") ? "<!doctype html><title>away</title>" : html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

beforeAll(async () => {
  await buildSdk();
  site = await serveSite();
  // The site's origin is allowed the way a deployment allows it (CORS_ORIGINS): the server checks
  // the Origin of every handshake and WebSocket upgrade.
  [chat, browser] = await Promise.all([startEmbedded({ corsOrigins: [site.url] }), launchChromium()]);
});

afterAll(async () => {
  for (const s of sockets.splice(0)) s.close();
  await browser?.close();
  await new Promise((resolve) => site?.server.close(resolve));
  await chat?.close();
});

const rows = (page: Page, text: string) =>
  page.$$eval("#messages li", (els, t) => els.filter((e) => e.textContent?.includes(t)).length, text);

it("serves the SDK to other origins, and the example page chats and recovers with it", async () => {
  // Another origin may load the bundle as a module script.
  const bundle = await fetch(`${chat.url}/sdk/chat-sdk.js`, { headers: { Origin: site.url } });
  expect(bundle.status).toBe(200);
  expect(bundle.headers.get("access-control-allow-origin")).toBe("*");
  expect(bundle.headers.get("content-type")).toContain("javascript");
  expect((await fetch(`${chat.url}/sdk/chat-sdk.d.ts`)).status).toBe(200);

  const room = uniqueId("embed");
  const bob = await connectClient(chat.url, { auth: { name: "Bob" } });
  sockets.push(bob);
  await join(bob, room);
  await sendChat(bob, room, "before the page opened");

  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    const pageUrl = `${site.url}/?chat=${encodeURIComponent(chat.url)}&room=${room}&name=Ada`;
    await page.goto(pageUrl);
    await page.waitForSelector('body[data-joined="true"]');
    expect(await page.getAttribute("#state", "data-state")).toBe("connected");
    expect(await rows(page, "before the page opened")).toBe(1);

    // Others' messages arrive live; ours show at once, reach the others once, and turn "sent".
    await sendChat(bob, room, "hello site");
    await page.locator("#messages li", { hasText: "hello site" }).waitFor();
    const heard = nextEvent(bob, "chat:message", (m) => m.text === "hi from the site");
    await page.fill("#text", "hi from the site");
    await page.press("#text", "Enter");
    expect((await heard).user.name).toBe("Ada");
    await page.locator("#messages li.sent", { hasText: "hi from the site" }).waitFor();

    // Leave, miss a message, come back: the page shows what it kept, then exactly what it missed.
    await page.goto(`${site.url}/away`);
    await sendChat(bob, room, "while you were away");
    await page.goto(pageUrl);
    await page.waitForSelector('body[data-joined="true"]');
    await page.locator("#messages li", { hasText: "while you were away" }).waitFor();
    for (const text of ["before the page opened", "hello site", "hi from the site", "while you were away"]) {
      expect(await rows(page, text), text).toBe(1);
    }
    const order = await page.$$eval("#messages li", (els) => els.map((e) => e.textContent));
    expect(order.map((t) => t?.replace(/^.*?: /, ""))).toEqual(["before the page opened", "hello site", "hi from the site", "while you were away"]);
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
}, 60_000);
