/**
 * Issue #21 in a real Chromium, each page on one of two replicas: the streamer appoints a
 * moderator from the studio; the moderator (a viewer token the streamer appointed, on the other
 * replica) turns on the delay, approves one held message and denies another, turns
 * subscribers-only on; the viewers' pages show exactly what they should: the approved
 * message once, never the denied one (its sender sees why), the moderator's role, a subscriber's
 * badge, a reply, and the mode. Screenshots go to test-output/.
 */
import { mkdir } from "node:fs/promises";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildClient } from "../../scripts/build-client.js";
import { mintToken } from "../../src/auth/token.js";
import { TEST_SECRET } from "../support/embedded-server.js";
import { launchChromium } from "./chromium.js";
import { acked, connected, PageDriver, rowsWithText, seeOnce, send } from "./page-driver.js";
import { startTargets, type Targets } from "./targets.js";

const RUN = Math.random().toString(36).slice(2, 6);
const ROOM = `modded-${RUN}`;
const OUTPUT = new URL("../../test-output/", import.meta.url);

let targets: Targets;
let pages: PageDriver;

beforeAll(async () => {
  await buildClient();
  const [browser, started] = await Promise.all([launchChromium(), startTargets()]);
  targets = started;
  pages = new PageDriver(browser);
});

afterAll(async () => {
  await pages?.close();
  await targets?.close();
});

/** Opens a page of `path` with a token in its fragment and waits until the room is joined. */
async function openWithToken(url: string, path: string, token: string): Promise<Page> {
  const page = await pages.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(`${url}${path}#token=${token}`);
  await connected(page);
  expect(errors).toEqual([]);
  return page;
}

/** The queue row of a held message with this text, on a studio page. */
const heldRow = (studio: Page, text: string) => studio.locator(".queue-item.held", { has: studio.locator(".msg-text", { hasText: text }) });

describe("moderation in the pages", () => {
  it("a streamer appoints a moderator; the moderator approves one held message, denies another, turns subscribers-only on; viewers see exactly what they should", async () => {
    const [urlA, urlB] = targets.urls;
    const streamer = await openWithToken(urlA, `/studio/${ROOM}`, await mintToken({ sub: "sam", name: "Sam", role: "streamer", rooms: [ROOM] }, TEST_SECRET));
    await streamer.locator(".team-panel[data-role=streamer]").waitFor();
    const moderator = await openWithToken(urlB, `/studio/${ROOM}`, await mintToken({ sub: "mia", name: "Mia", role: "viewer" }, TEST_SECRET));
    await moderator.locator("#team-note", { hasText: "cannot moderate" }).waitFor();
    expect(await moderator.locator(".team-panel").count()).toBe(0);

    // The streamer appoints Mia by her user id: her studio on the other replica turns into a moderator's.
    await streamer.fill(".moderator-form .moderator-id", "mia");
    await streamer.fill(".moderator-form .moderator-name", "Mia");
    await streamer.click(".moderator-form .moderator-add");
    await streamer.locator(".moderators-list .moderator[data-user-id=mia]").waitFor();
    await moderator.locator(".team-panel[data-role=moderator]").waitFor();
    expect(await moderator.locator("#studio-role").textContent()).toBe("moderator");
    expect(await moderator.locator(".moderator-form").count()).toBe(0); // only the streamer appoints

    const ann = await pages.openViewer(urlA, ROOM, "Ann");
    const sub = await openWithToken(urlB, `/watch/${ROOM}`, await mintToken({ sub: "sue", name: "Sue", role: "viewer", badges: ["subscriber"] }, TEST_SECRET));

    // Delay on: both viewers' messages are held; the moderator sees them at once, marked held.
    await moderator.selectOption(".mode-delay", "10");
    await ann.locator(".room-modes", { hasText: "Delay 10 s" }).waitFor();
    await send(ann, "hello from Ann");
    await send(sub, "buy cheap followers here");
    await ann.locator(".msg.own.held", { hasText: "hello from Ann" }).waitFor();
    for (const studio of [moderator, streamer]) {
      await heldRow(studio, "hello from Ann").waitFor();
      await heldRow(studio, "buy cheap followers here").waitFor();
    }
    expect(await rowsWithText(sub, "hello from Ann")).toBe(0);
    await mkdir(OUTPUT, { recursive: true });
    await moderator.screenshot({ path: new URL("studio-moderator-queue.png", OUTPUT).pathname });

    await heldRow(moderator, "hello from Ann").locator("button.approve").click();
    await heldRow(moderator, "buy cheap followers here").locator("button.deny").click();
    await acked(ann, "hello from Ann");
    await seeOnce(sub, "hello from Ann");
    await seeOnce(streamer, "hello from Ann");
    const denied = sub.locator(".msg.own.failed", { hasText: "buy cheap followers here" });
    await denied.waitFor();
    expect(await denied.locator(".msg-error").textContent()).toContain("Removed by a moderator");
    for (const studio of [moderator, streamer]) await studio.locator(".queue-empty:not([hidden])").waitFor();
    await moderator.locator(".log-entry[data-action=held_deny]").waitFor();

    // Delay off, subscribers-only on: Ann (anonymous) is told to sign in; Sue (subscriber) chats.
    await moderator.selectOption(".mode-delay", "0");
    await ann.locator(".room-modes[hidden]").waitFor({ state: "attached" });
    await moderator.check(".mode-subscribers");
    await ann.locator(".room-modes", { hasText: "Subscribers-only" }).waitFor();
    expect(await ann.locator(".room-modes").textContent()).toBe("Subscribers-only");
    await send(ann, "can I still talk?");
    const refused = ann.locator(".msg.own.failed", { hasText: "can I still talk?" });
    await refused.waitFor();
    expect(await refused.locator(".msg-error").textContent()).toContain("Sign in to chat in this room");

    // The moderator talks (a mod badge), Sue replies to her (a subscriber badge and a reply line).
    await send(moderator, "welcome, I keep the chat tidy");
    const modLine = ann.locator(".msg", { hasText: "welcome, I keep the chat tidy" });
    await modLine.waitFor();
    expect(await modLine.locator(".badge-mod").textContent()).toBe("mod");
    const modOnSue = sub.locator(".msg", { hasText: "welcome, I keep the chat tidy" });
    await modOnSue.hover();
    await modOnSue.locator("button.reply").click();
    await sub.locator(".reply-bar:not([hidden])", { hasText: "Mia" }).waitFor();
    await send(sub, "thanks Mia!");
    await acked(sub, "thanks Mia!");
    const reply = ann.locator(".msg", { hasText: "thanks Mia!" });
    await reply.waitFor();
    expect(await reply.locator(".badge-sub").textContent()).toBe("subscriber");
    expect(await reply.locator(".msg-reply").textContent()).toBe("↪ Mia: welcome, I keep the chat tidy");

    // Exactly what each viewer should see, once each, and never the denied message (its sender
    // sees her own, failed). Own rows keep where they were first drawn (message-list.ts): compared as sets.
    const texts = async (page: Page) => (await page.$$eval(".messages .msg-text", (els) => els.map((e) => e.textContent ?? ""))).sort();
    expect(await texts(ann)).toEqual(["can I still talk?", "hello from Ann", "thanks Mia!", "welcome, I keep the chat tidy"]);
    expect(await texts(sub)).toEqual(["buy cheap followers here", "hello from Ann", "thanks Mia!", "welcome, I keep the chat tidy"]);
    for (const page of [ann, streamer]) expect(await rowsWithText(page, "buy cheap followers here")).toBe(0);

    await streamer.screenshot({ path: new URL("studio-streamer-team.png", OUTPUT).pathname });
    await moderator.screenshot({ path: new URL("studio-moderator.png", OUTPUT).pathname });
    await ann.screenshot({ path: new URL("viewer-subscribers-only.png", OUTPUT).pathname });
    await sub.screenshot({ path: new URL("viewer-subscriber.png", OUTPUT).pathname });
  });
});
