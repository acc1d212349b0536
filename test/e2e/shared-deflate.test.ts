/**
 * A room's frames compressed once and shared (src/engine/shared-frame.ts, permessage-deflate
 * without context takeover: src/engine/websocket/deflate.ts) reach a real browser: Debian's
 * Chromium offers permessage-deflate, joins with the SDK, and must show every message, in order,
 * while the server counts the compressed frames it wrote.
 */
import type { Browser } from "playwright-core";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildSdk } from "../../scripts/build-sdk.js";
import { createMetrics, type ChatMetrics } from "../../src/observability/metrics.js";
import { call, sendChat, uniqueId } from "../support/clients.js";
import { startEmbedded, type EmbeddedServer } from "../support/embedded-server.js";
import { launchChromium } from "./chromium.js";

let chat: EmbeddedServer;
let browser: Browser;
let metrics: ChatMetrics;
const sockets: Socket[] = [];

beforeAll(async () => {
  await buildSdk();
  metrics = createMetrics({ defaultMetrics: false });
  [chat, browser] = await Promise.all([startEmbedded({ ratePerSec: 100, rateBurst: 100 }, { metrics }), launchChromium()]);
});

afterAll(async () => {
  for (const s of sockets.splice(0)) s.close();
  await browser?.close();
  await chat?.close();
});

async function written(encoding: "plain" | "deflated"): Promise<number> {
  const { values } = await metrics.sharedFrames.get();
  return values.find((v) => v.labels.encoding === encoding)?.value ?? 0;
}

it("a browser that offered permessage-deflate receives the room's compressed frames and shows every message", async () => {
  const room = uniqueId("deflate");
  const page = await browser.newPage();
  try {
    // Same origin as the chat server: the SDK is imported from it.
    await page.goto(`${chat.url}/healthz`);
    // A string, not a function: vitest would rewrite a dynamic import() inside a function.
    await page.evaluate(`(async () => {
      const { ChatClient } = await import(${JSON.stringify(`${chat.url}/sdk/chat-sdk.js`)});
      window.got = [];
      const sub = new ChatClient({ url: ${JSON.stringify(chat.url)}, name: "Browser" }).room(${JSON.stringify(room)});
      // Each event carries what was added (or, on a reset, the whole window).
      sub.on("messages", ({ messages, reset }) => (window.got = [...(reset ? [] : window.got), ...messages.map((m) => m.text)]));
      await sub.join();
    })()`);

    // The sender does not offer deflate: every compressed frame the server counts went to the browser.
    const sender = connect(chat.url, { transports: ["websocket"], forceNew: true, reconnection: false, perMessageDeflate: false } as never);
    sockets.push(sender);
    await new Promise<void>((r, j) => {
      sender.once("connect", () => r());
      sender.once("connect_error", j);
    });
    await call(sender as never, "room:join", { room });
    const texts = Array.from({ length: 12 }, (_, i) => `message ${i}: ` + "the quick brown fox jumps over the lazy dog ".repeat(8));
    const before = await written("deflated");
    const acks = await Promise.all(texts.map((text) => sendChat(sender as never, room, text)));
    expect(acks.every((a) => a.ok)).toBe(true);

    await expect
      .poll(() => page.evaluate(() => (window as unknown as { got: string[] }).got), { timeout: 15_000 })
      .toEqual(texts);
    expect(await written("deflated")).toBeGreaterThan(before);
  } finally {
    await page.close();
  }
});
