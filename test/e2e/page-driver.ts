/** Playwright helpers for the chat pages: open them, type into them, read what they show. */
import { expect } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";

/** Browser contexts (one per simulated person) and what their pages did on the wire. */
export class PageDriver {
  private readonly contexts: BrowserContext[] = [];
  private readonly sockets = new Map<Page, number>();

  constructor(private readonly browser: Browser) {}

  /** A page in a fresh context: its own localStorage, like another person's browser. */
  async newPage(): Promise<Page> {
    const context = await this.browser.newContext({ viewport: { width: 960, height: 680 } });
    this.contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    this.sockets.set(page, 0);
    page.on("websocket", () => this.sockets.set(page, (this.sockets.get(page) ?? 0) + 1));
    return page;
  }

  /** WebSockets the page opened so far (the viewer multiplexes all its rooms over one). */
  websockets(page: Page): number {
    return this.sockets.get(page) ?? 0;
  }

  /** Opens the viewer page of `room` on `url`, picks `name`, and waits until joined. */
  async openViewer(url: string, room: string, name: string): Promise<Page> {
    const page = await this.newPage();
    await page.goto(`${url}/watch/${room}`);
    await page.fill("#name", name);
    await page.click("#name-form button[type=submit]");
    await connected(page);
    return page;
  }

  /** Closes every context, then the browser. */
  async close(): Promise<void> {
    await Promise.allSettled(this.contexts.map((c) => c.close()));
    await this.browser.close();
  }
}

/** Waits until the page is connected and the room on screen is joined. */
export async function connected(page: Page): Promise<void> {
  await page.waitForSelector('#connection[data-state="connected"]');
  await page.waitForSelector('.room:not([hidden])[data-joined="true"]');
}

/** Sends from the composer of the room on screen. */
export async function send(page: Page, text: string, kind?: string): Promise<void> {
  const composer = ".room:not([hidden]) .composer";
  if (kind) await page.selectOption(`${composer} .kind`, kind);
  await page.fill(`${composer} .text`, text);
  await page.press(`${composer} .text`, "Enter");
}

/** Waits until our own message with this text is acked (no longer pending). */
export async function acked(page: Page, text: string): Promise<void> {
  await page.locator(".msg.own.sent .msg-text", { hasText: text }).first().waitFor();
}

/** How many rows in the message lists show exactly this text. */
export function rowsWithText(page: Page, text: string): Promise<number> {
  return page.$$eval(".messages .msg-text", (els, t) => els.filter((e) => e.textContent === t).length, text);
}

/** Waits for a row with this text, then checks there is exactly one. */
export async function seeOnce(page: Page, text: string): Promise<void> {
  await page.locator(".messages .msg-text", { hasText: text }).first().waitFor();
  expect(await rowsWithText(page, text)).toBe(1);
}

/** Types and submits `n` messages inside the page, with no round trip that lets the bucket refill. */
export async function burst(page: Page, prefix: string, n: number): Promise<void> {
  await page.evaluate(
    ([prefix, n]) => {
      const form = document.querySelector<HTMLFormElement>(".room:not([hidden]) .composer")!;
      const input = form.querySelector<HTMLInputElement>(".text")!;
      for (let i = 0; i < n; i++) {
        input.value = `${prefix} ${i}`;
        form.requestSubmit();
      }
    },
    [prefix, n] as const,
  );
}

export interface SavedRoom {
  lastId: string;
  messages: { id: string }[];
}

/**
 * Leaves the viewer page for a plain file of the same origin (the page saves its snapshot on the
 * way out) and returns what it saved for `room`. The page stays on that origin, app not running.
 */
export async function savedSnapshot(page: Page, url: string, room: string): Promise<SavedRoom> {
  await page.goto(`${url}/favicon.svg`);
  const raw = await page.evaluate((key) => localStorage.getItem(key), `live-chat:room:${room}`);
  expect(raw).not.toBeNull();
  return JSON.parse(raw!) as SavedRoom;
}
