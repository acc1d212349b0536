/**
 * The viewer and studio pages in a real Chromium (Debian's, driven by playwright-core), each
 * browser context on one of two replicas of the shared Redis Cluster: chat, pinned notices,
 * moderation, markup that stays text, reload and reconnect recovery, a fast room, rate limits.
 */
import { mkdir } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildClient } from "../../scripts/build-client.js";
import { mintToken } from "../../src/auth/token.js";
import { connectClient, join, sendChat } from "../support/clients.js";
import { launchChromium } from "./chromium.js";
import { acked, burst, connected, PageDriver, rowsWithText, savedSnapshot, seeOnce, send } from "./page-driver.js";
import { E2E_FLOOD_PENALTY_SEC, startTargets, type Targets } from "./targets.js";

// Unique per run: the Redis Cluster is shared by the whole test run.
const RUN = Math.random().toString(36).slice(2, 6);
const ROOM = `stream-${RUN}`;
const SIDE_ROOM = `qna-${RUN}`;
const OUTPUT = new URL("../../test-output/", import.meta.url);
const XSS = `<img src=x onerror="window.__xss = 1">`;

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

const openViewer = (url: string, name: string) => pages.openViewer(url, ROOM, name);
/** Two people in ROOM, the first on replica 0 and the second on replica 1. */
const onBothReplicas = (first: string, second: string) =>
  Promise.all([openViewer(targets.urls[0], first), openViewer(targets.urls[1], second)]);
const newPage = () => pages.newPage();

describe("browser pages", () => {
  it("two viewers and a streamer chat across replicas; notices pin; markup stays text; reload misses nothing", async () => {
    const [urlA, urlB] = targets.urls;
    const [alice, bob] = await onBothReplicas("Alice", "Bob");
    const studio = await newPage();
    await studio.goto(`${urlA}/studio/${ROOM}#token=${await targets.streamerToken("Sam", [ROOM])}`);
    await connected(studio);
    expect(studio.url()).not.toContain("token="); // the fragment is dropped once read

    // Presence is counted over every replica.
    await alice.locator(".viewers", { hasText: "3 watching" }).waitFor();

    await send(alice, "hi from Alice");
    await acked(alice, "hi from Alice");
    await seeOnce(bob, "hi from Alice");
    await seeOnce(studio, "hi from Alice");

    await send(bob, "when do we start?", "question");
    await acked(bob, "when do we start?");
    const question = alice.locator(".msg.kind-question", { hasText: "when do we start?" });
    await question.waitFor();
    expect(await question.locator(".badge-question").textContent()).toBe("Question");
    expect(await question.locator(".msg-name").textContent()).toBe("Bob");

    // The streamer mutes Bob from the studio: his next message fails, visibly, and reaches no one.
    const bobsQuestion = studio.locator(".msg", { hasText: "when do we start?" });
    await bobsQuestion.hover();
    await bobsQuestion.locator("button.mod", { hasText: "Mute" }).click();
    await studio.locator(".room-status", { hasText: "Bob is muted" }).waitFor();
    await send(bob, "am I muted?");
    const refused = bob.locator(".msg.own.failed", { hasText: "am I muted?" });
    await refused.waitFor();
    expect(await refused.locator(".msg-error").textContent()).toContain("muted");

    await send(studio, "We go live at 20:00", "notice");
    for (const viewer of [alice, bob]) {
      await viewer.locator(".notice .notice-text", { hasText: "We go live at 20:00" }).waitFor();
      expect(await viewer.locator(".notice").isVisible()).toBe(true);
    }
    await send(studio, "welcome everyone", "chat");
    await seeOnce(alice, "welcome everyone");
    expect(await alice.locator(".msg", { hasText: "welcome everyone" }).locator(".badge-streamer").count()).toBe(1);

    // Markup typed by a user is shown as text and runs nothing, for the sender and the others.
    await send(alice, XSS);
    await acked(alice, XSS);
    for (const page of [alice, bob, studio]) {
      await seeOnce(page, XSS);
      expect(await page.locator(".messages img").count()).toBe(0);
      expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
    }

    // The streamer deletes it: gone for everyone, and from the page's saved copy too.
    const xssRow = studio.locator(".msg", { hasText: XSS });
    await xssRow.hover();
    await xssRow.locator("button.mod", { hasText: "Delete" }).click();
    for (const page of [alice, bob, studio]) {
      await page.waitForFunction((t) => ![...document.querySelectorAll(".messages .msg-text")].some((e) => e.textContent === t), XSS);
    }

    // Bob goes away; messages arrive meanwhile; his page loads again and joins with `since`.
    const seenBeforeLeaving = await savedSnapshot(bob, urlB, ROOM);
    const missed = ["missed one", "missed two", "missed three"];
    await send(alice, missed[0]!);
    await send(studio, missed[1]!, "chat");
    await send(alice, missed[2]!);
    await acked(alice, missed[0]!);
    await acked(studio, missed[1]!);
    await acked(alice, missed[2]!);

    // What Bob's page says and hears on the wire: its join asks with `since` and is recovered.
    const joins: string[] = [];
    const joinAcks: string[] = [];
    bob.on("websocket", (ws) => {
      ws.on("framesent", ({ payload }) => {
        if (typeof payload === "string" && payload.includes('"room:join"')) joins.push(payload);
      });
      ws.on("framereceived", ({ payload }) => {
        if (typeof payload === "string" && payload.includes('"recovered"')) joinAcks.push(payload);
      });
    });
    await bob.goto(`${urlB}/watch/${ROOM}`);
    await connected(bob);
    // A live message after the re-join: once Bob has it, everything before it has been handled.
    await send(alice, "after the reload");
    await seeOnce(bob, "after the reload");
    for (const text of [...missed, "hi from Alice", "when do we start?"]) expect(await rowsWithText(bob, text)).toBe(1);
    expect(await rowsWithText(bob, XSS)).toBe(0);
    expect(await rowsWithText(alice, "am I muted?")).toBe(0);
    expect(joins).toHaveLength(1);
    expect(joins[0]).toContain(`"since":"${seenBeforeLeaving.lastId}"`);
    expect(joinAcks[0]).toContain('"recovered":true');
    expect(await bob.locator(".notice .notice-text").textContent()).toBe("We go live at 20:00");

    // A second room on the same page rides the same connection and keeps its messages apart.
    await alice.fill("#add-room-name", SIDE_ROOM);
    await alice.press("#add-room-name", "Enter");
    await alice.waitForSelector(`.room[data-room="${SIDE_ROOM}"][data-joined="true"]`);
    await send(alice, "over in the side room");
    await acked(alice, "over in the side room");
    // The mute outlived the reload: the page keeps its anonymous session, so Bob is the same user.
    await send(bob, "muted after the reload?");
    const stillRefused = bob.locator(".msg.own.failed", { hasText: "muted after the reload?" });
    await stillRefused.waitFor();
    expect(await stillRefused.locator(".msg-error").textContent()).toContain("muted");
    // The streamer talks in the main room while Alice looks at the side room: her main tab counts it.
    await send(studio, "are you still there?", "chat");
    const unread = alice.locator(`.tab[data-room="${ROOM}"] .unread`);
    await unread.filter({ hasText: "1" }).waitFor();
    await alice.click(`.tab[data-room="${ROOM}"] .tab-label`);
    expect(await unread.isHidden()).toBe(true);
    await seeOnce(alice, "are you still there?");
    await send(alice, "back in the main room");
    await seeOnce(bob, "back in the main room");
    expect(await rowsWithText(bob, "over in the side room")).toBe(0);
    expect(await alice.locator(`.room[data-room="${ROOM}"] .msg-text`, { hasText: "over in the side room" }).count()).toBe(0);
    expect(pages.websockets(alice)).toBe(1);
    // Bob is back, so the count over both replicas is three again.
    await alice.locator(`.room[data-room="${ROOM}"] .viewers`, { hasText: "3 watching" }).waitFor();

    await mkdir(OUTPUT, { recursive: true });
    await bob.screenshot({ path: new URL("viewer.png", OUTPUT).pathname });
    await alice.screenshot({ path: new URL("viewer-two-rooms.png", OUTPUT).pathname });
    await studio.screenshot({ path: new URL("studio.png", OUTPUT).pathname });
  }, 120_000);

  it("after its replica goes away and comes back, the open page reconnects and shows exactly the missed messages", async () => {
    const [erin, frank] = await onBothReplicas("Erin", "Frank");
    await send(erin, "before the outage");
    await seeOnce(frank, "before the outage");
    await frank.evaluate(() => ((window as { __samePage?: boolean }).__samePage = true));

    // The browser going offline shows at once, and so does its return.
    await frank.context().setOffline(true);
    await frank.waitForSelector('#connection[data-state="offline"]');
    await frank.context().setOffline(false);
    await frank.waitForSelector('#connection[data-state="connected"]');

    const restart = await targets.stopReplica(1);
    await frank.waitForSelector('#connection[data-state="reconnecting"]');
    expect(await frank.getAttribute(".room", "data-joined")).toBe("false");
    const missed = ["during the outage 1", "during the outage 2"];
    for (const text of missed) {
      await send(erin, text);
      await acked(erin, text);
    }
    await restart();

    await connected(frank);
    await send(erin, "after the outage");
    await seeOnce(frank, "after the outage");
    for (const text of ["before the outage", ...missed]) expect(await rowsWithText(frank, text)).toBe(1);
    // The same page, not a reload: the socket reconnected by itself.
    expect(await frank.evaluate(() => (window as { __samePage?: boolean }).__samePage)).toBe(true);
  }, 120_000);

  it("keeps up with a fast room: newest 200 rows in id order, and a reader scrolled up keeps their place", async () => {
    const [urlA, urlB] = targets.urls;
    const room = `fast-${RUN}`;
    const reader = await pages.openViewer(urlA, room, "Reader");

    // 25 connections on the other replica, each one burst of 10 (the per-connection limit).
    const senders = await Promise.all(Array.from({ length: 25 }, (_, i) => connectClient(urlB, { auth: { name: `fan${i}` } })));
    try {
      await Promise.all(senders.map((c) => join(c, room)));
      const acks = await Promise.all(
        senders.flatMap((c, i) => Array.from({ length: 10 }, (_, j) => sendChat(c, room, `fan ${i} says ${j}`))),
      );
      const ids = acks.map((a) => (a.ok ? a.id : "")).sort();
      expect(ids.filter((id) => id === "")).toHaveLength(0);
      await reader.waitForFunction((last) => document.querySelector(".messages li:last-child")?.getAttribute("data-id") === last, ids.at(-1)!);
      const shown = await reader.$$eval(".messages li.msg", (els) => els.map((e) => e.getAttribute("data-id") ?? ""));
      expect(shown).toEqual(ids.slice(-200));

      // Scrolled up, the reader's line stays put while rows come and go; a button offers the jump.
      const lineAt = () =>
        reader.evaluate(() => {
          const box = document.querySelector(".messages")!.getBoundingClientRect();
          return document.elementFromPoint(box.left + 200, box.top + 40)?.closest("li")?.getAttribute("data-id");
        });
      await reader.locator(".messages").evaluate((el) => (el.scrollTop = 300));
      const before = await lineAt();
      // Each sender's burst emptied its bucket: wait as told when refused (a real client's retry).
      const sendLate = async (c: (typeof senders)[number], text: string): Promise<void> => {
        const clientId = `late-${RUN}-${text}`;
        for (;;) {
          const ack = await sendChat(c, room, text, { clientId });
          if (ack.ok) return;
          if (ack.error.code !== "rate_limited") throw new Error(`${text}: ${ack.error.code}`);
          await new Promise((r) => setTimeout(r, ack.error.retryAfterMs ?? 200));
        }
      };
      await Promise.all(senders.slice(0, 5).map((c, i) => sendLate(c, `late ${i}`)));
      await reader.locator(".jump", { hasText: "5 new messages" }).waitFor();
      expect(await lineAt()).toBe(before);
      await reader.click(".jump");
      await reader.locator(".messages li:last-child .msg-text", { hasText: "late" }).waitFor();
      expect(await reader.locator(".jump").isHidden()).toBe(true);
    } finally {
      for (const c of senders) c.close();
    }
  }, 60_000);

  it("a rate-limited message shows a failure with a retry that is delivered exactly once", async () => {
    const [carol, dave] = await onBothReplicas("Carol", "Dave");
    // More than the burst (10) in one go: the server refuses some with rate_limited.
    await burst(carol, "burst", 14);
    const failed = carol.locator(".msg.own.failed").first();
    await failed.waitFor();
    expect(await failed.locator(".msg-error").textContent()).toContain("Slow down");
    const text = (await failed.locator(".msg-text").textContent()) ?? "";
    await seeOnce(dave, "burst 0");
    expect(await rowsWithText(dave, text)).toBe(0);

    // The bucket refills at 5/s; a retry after a second goes through, with the same clientId.
    await carol.waitForTimeout(1_200);
    await failed.locator("button.retry").click();
    await acked(carol, text);
    await seeOnce(dave, text);
    expect(await rowsWithText(carol, text)).toBe(1);
  }, 60_000);

  it("a page that floods is disconnected, says offline, reconnects on request and delivers each message at most once", async () => {
    const [eve, grace] = await onBothReplicas("Eve", "Grace");
    // Over 50 refusals in 10 s closes the connection from the server's side, which socket.io-client
    // does not retry. Refusals are acked at once, stores take a Redis round trip: some accepted
    // sends lose their acks with the connection, and the page sends them again after the re-join.
    await burst(eve, "flood", 63);
    await eve.waitForSelector('#connection[data-state="offline"]');
    // A flood-disconnected client is refused for FLOOD_PENALTY_SEC (short in these replicas).
    await eve.waitForTimeout(E2E_FLOOD_PENALTY_SEC * 1000 + 300);
    await eve.click("#connection .reconnect");
    await connected(eve);
    expect(pages.websockets(eve)).toBe(2);
    await eve.waitForFunction(() => document.querySelectorAll(".msg.own.pending").length === 0);

    // What Eve shows as delivered (sent, or back from history after a lost ack), Grace shows
    // exactly once and in the same order; what failed, she never gets.
    const delivered = await eve.$$eval(".messages li:not(.failed) .msg-text", (els) => els.map((e) => e.textContent));
    expect(delivered.length).toBeGreaterThanOrEqual(10);
    await seeOnce(grace, delivered.at(-1)!);
    expect(await grace.$$eval(".messages .msg-text", (els) => els.map((e) => e.textContent))).toEqual(delivered);
  }, 60_000);

  it("the studio sets slow mode and clears the chat: viewers on the other replica see the mode, are held to it, and lose the cleared rows, also after a reload", async () => {
    const [urlA, urlB] = targets.urls;
    const room = `tools-${RUN}`;
    const studio = await newPage();
    studio.on("dialog", (dialog) => void dialog.accept()); // "Clear the chat ... for everyone?"
    await studio.goto(`${urlA}/studio/${room}#token=${await targets.streamerToken("Sam", [room])}`);
    await connected(studio);
    const alice = await pages.openViewer(urlB, room, "Alice");
    expect(await alice.locator(".slow-mode").isHidden()).toBe(true);
    await send(alice, "before the clear");
    await acked(alice, "before the clear");
    await seeOnce(studio, "before the clear");

    await studio.selectOption(".slow-mode-select", "30");
    await studio.locator(".room-status", { hasText: "slow mode: one message every 30 s" }).waitFor();
    await alice.locator(".slow-mode", { hasText: "Slow mode · 30 s" }).waitFor();
    await send(alice, "first under slow mode");
    await acked(alice, "first under slow mode");
    await send(alice, "second, too soon");
    const held = alice.locator(".msg.own.failed", { hasText: "second, too soon" });
    await held.waitFor();
    expect(await held.locator(".msg-error").textContent()).toMatch(/Slow down: wait (29|30) s/);
    // The streamer is not held to it.
    await send(studio, "streamer one", "chat");
    await send(studio, "streamer two", "chat");
    await seeOnce(alice, "streamer two");

    await studio.click(".clear-chat");
    await studio.locator(".room-status", { hasText: "chat cleared" }).waitFor();
    await alice.locator(".room-status", { hasText: "chat cleared by Sam" }).waitFor();
    for (const page of [alice, studio]) {
      await page.waitForFunction(() => [...document.querySelectorAll(".messages li:not(.failed) .msg-text")].length === 0);
    }
    // Someone who comes later sees none of it, and the mode; Alice's reload keeps it cleared.
    const carol = await pages.openViewer(urlA, room, "Carol");
    await carol.locator(".slow-mode", { hasText: "Slow mode · 30 s" }).waitFor();
    await alice.reload();
    await connected(alice);
    for (const page of [carol, alice]) {
      for (const text of ["before the clear", "first under slow mode", "streamer one", "streamer two"]) expect(await rowsWithText(page, text)).toBe(0);
    }
    await send(studio, "after the clear", "chat");
    await seeOnce(carol, "after the clear");
    await seeOnce(alice, "after the clear");

    await studio.selectOption(".slow-mode-select", "0");
    await alice.locator(".slow-mode").waitFor({ state: "hidden" });
  }, 60_000);

  it("the studio turns away a token the server refuses, and one that is not for this room, with a reason", async () => {
    const [urlA] = targets.urls;
    const studio = await newPage();
    const forged = await mintToken({ sub: "mallory", name: "Mallory", role: "streamer", rooms: [ROOM] }, "not-the-server-secret-0123");
    await studio.goto(`${urlA}/studio/${ROOM}#token=${forged}`);
    await studio.locator("#token-error", { hasText: "refused" }).waitFor();
    expect(await studio.locator("#token-form").isVisible()).toBe(true);
    expect(await studio.evaluate(() => sessionStorage.length)).toBe(0); // nothing kept

    // Since issue #21 a token may moderate a room it does not own (its user appointed there): only
    // the server knows, so the studio connects and says what the join found.
    await studio.fill("#token", await targets.streamerToken("Sam", ["some-other-room"]));
    await studio.click("#token-form button[type=submit]");
    await studio.locator("#team-note", { hasText: `cannot moderate #${ROOM}` }).waitFor();
    expect(await studio.locator(".team-panel").count()).toBe(0);
  }, 30_000);
});
