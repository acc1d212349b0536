/**
 * The WebSocket upgrade (and every handshake) checks `Origin`: a page on another site must not be
 * able to open a chat connection with its visitors' addresses and cookies. Same-origin, the
 * configured CORS_ORIGINS and clients without an Origin (non-browser) are allowed.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { rawUpgrade } from "../support/raw-websocket.js";
import { startEmbedded, type EmbeddedServer } from "../support/embedded-server.js";

let srv: EmbeddedServer;
let port: number;
const PATH = "/socket.io/?EIO=4&transport=websocket";

beforeAll(async () => {
  srv = await startEmbedded({ corsOrigins: ["https://player.example"] });
  port = Number(new URL(srv.url).port);
});
afterAll(() => srv.close());

async function upgradeStatus(origin: string | undefined): Promise<number> {
  const res = await rawUpgrade(port, { path: PATH, headers: { Origin: origin } });
  res.ws?.socket.destroy();
  return res.status;
}

it("refuses WebSocket upgrades from other origins", async () => {
  expect(await upgradeStatus("https://evil.example")).not.toBe(101);
  expect(await upgradeStatus("null")).not.toBe(101);
  expect(await upgradeStatus(`http://127.0.0.1:${port + 1}`)).not.toBe(101);
});

it("accepts its own origin, the configured ones, and clients that send none", async () => {
  expect(await upgradeStatus(`http://127.0.0.1:${port}`)).toBe(101);
  expect(await upgradeStatus("https://player.example")).toBe(101);
  expect(await upgradeStatus(undefined)).toBe(101);
});

it("refuses long-polling handshakes from other origins too", async () => {
  const poll = (origin: string) => fetch(`${srv.url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: origin } });
  expect((await poll("https://evil.example")).status).not.toBe(200);
  expect((await poll("https://player.example")).status).toBe(200);
});
