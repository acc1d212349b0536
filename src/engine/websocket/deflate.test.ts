/**
 * permessage-deflate without context takeover (deflate.ts) in the lean engine, checked with the
 * `ws` client, which inflates what the server compressed and compresses what it sends.
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo, Socket as NetSocket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { SharedFrame } from "../shared-frame.js";
import { DEFLATE_RESPONSE, acceptsDeflate, deflateMessage, inflateMessage } from "./deflate.js";
import type { LeanWebSocket } from "./lean-websocket.js";
import { LeanWebSocketServer } from "./lean-websocket-server.js";
import { Opcode } from "./frames.js";
import { rawUpgrade } from "../../../test/support/raw-websocket.js";

describe("acceptsDeflate", () => {
  it.each([
    ["permessage-deflate; client_max_window_bits", true], // Chromium
    ["permessage-deflate", true], // Firefox
    ["permessage-deflate; server_no_context_takeover; client_no_context_takeover", true],
    ["permessage-deflate; client_max_window_bits=10; server_max_window_bits=15", true],
    ["permessage-deflate; server_max_window_bits=10", false], // we only compress with a 15-bit window
    ["permessage-deflate; server_max_window_bits=10, permessage-deflate", true], // the second offer
    ["permessage-deflate; unknown_param", false],
    ["permessage-deflate; client_no_context_takeover=1", false],
    ["x-webkit-deflate-frame", false],
    [undefined, false],
  ])("%s: %s", (header, accepted) => {
    expect(acceptsDeflate(header)).toBe(accepted);
  });

  it("compresses a message on its own and inflates it back; refuses to inflate beyond the limit", () => {
    const text = Buffer.from("hello ".repeat(200));
    const z = deflateMessage(text);
    expect(z.length).toBeLessThan(text.length / 5);
    expect(z.subarray(-4)).not.toEqual(Buffer.from([0, 0, 0xff, 0xff]));
    expect(inflateMessage(z, 0)).toEqual(text);
    expect(() => inflateMessage(z, 100)).toThrow(RangeError);
  });
});

describe("the lean engine with sharedDeflate", () => {
  const servers: HttpServer[] = [];
  const clients: WebSocket[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.terminate();
    await Promise.all(
      servers.splice(0).map((s) => {
        s.closeAllConnections();
        return new Promise((r) => s.close(r));
      }),
    );
  });

  async function start(sharedDeflate: boolean): Promise<{ port: number; accepted: Promise<{ ws: LeanWebSocket; got: string[] }> }> {
    const wss = new LeanWebSocketServer({ maxPayload: 4096, sharedDeflate });
    const http = createServer();
    servers.push(http);
    const accepted = new Promise<{ ws: LeanWebSocket; got: string[] }>((resolve) =>
      http.on("upgrade", (req, socket: NetSocket, head: Buffer) =>
        wss.handleUpgrade(req, socket, head, (ws) => {
          const got: string[] = [];
          ws.on("message", (data: Buffer) => got.push(data.toString()));
          resolve({ ws, got });
        }),
      ),
    );
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    return { port: (http.address() as AddressInfo).port, accepted };
  }

  async function client(port: number): Promise<{ c: WebSocket; got: string[]; closed: Promise<number>; extensions: string | undefined }> {
    const c = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: { threshold: 0 } });
    clients.push(c);
    let extensions: string | undefined;
    c.once("upgrade", (res) => (extensions = res.headers["sec-websocket-extensions"]));
    const got: string[] = [];
    c.on("message", (data: Buffer) => got.push(data.toString()));
    const closed = new Promise<number>((r) => c.once("close", (code) => r(code)));
    await new Promise((r, j) => {
      c.once("open", r);
      c.once("error", j);
    });
    return { c, got, closed, extensions };
  }

  async function until(f: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(f()).toBe(true);
  }

  it("answers a deflate offer without context takeover; inflates client messages and sends shared compressed frames", async () => {
    const { port, accepted } = await start(true);
    const { c, got, extensions } = await client(port);
    const server = await accepted;
    expect(extensions).toBe(DEFLATE_RESPONSE);
    expect(c.extensions).toBe("permessage-deflate");
    expect(server.ws.deflate).toBe(true);
    // The client compresses every message (threshold 0); two in a row: no context carried over.
    const long = "a chat message ".repeat(100);
    c.send(long);
    c.send(long + "!");
    c.send("short");
    await until(() => server.got.length === 3);
    expect(server.got).toEqual([long, long + "!", "short"]);
    // A room's frame compressed once, then a plain send, then the same compressed bytes again.
    const frame = new SharedFrame([Buffer.from(long), Buffer.from("tiny")], 100);
    const deflated = frame.deflated;
    expect(deflated.length).toBeLessThan(frame.plain.length / 3);
    server.ws._socket.write(deflated);
    server.ws.send("plain");
    server.ws._socket.write(deflated);
    await until(() => got.length === 5);
    expect(got).toEqual([long, "tiny", "plain", long, "tiny"]);
  });

  it("closes with 1009 when a compressed message inflates beyond maxPayload", async () => {
    const { port, accepted } = await start(true);
    const { c, closed } = await client(port);
    await accepted;
    c.send("x".repeat(10_000)); // 10 KB, compressed to a few dozen bytes
    expect(await closed).toBe(1009);
  });

  it("closes with 1007 on compressed data that does not inflate, and with 1002 on RSV1 where it may not be", async () => {
    for (const [frames, code] of [
      [[{ opcode: Opcode.Text, payload: Buffer.from([0xff, 0xff, 0xff, 0xff]), rsv: 4 }], 1007],
      [[{ opcode: Opcode.Ping, payload: Buffer.from("x"), rsv: 4 }], 1002],
      [[{ opcode: Opcode.Text, payload: deflateMessage(Buffer.from("ab")), rsv: 4, fin: false }, { opcode: Opcode.Continuation, payload: Buffer.from("c"), rsv: 4 }], 1002],
    ] as const) {
      const { port, accepted } = await start(true);
      const up = await rawUpgrade(port, { headers: { "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits" } });
      expect(up.headers["sec-websocket-extensions"]).toBe(DEFLATE_RESPONSE);
      const server = await accepted;
      for (const f of frames) up.ws!.send(f.opcode, f.payload, { rsv: f.rsv, fin: "fin" in f ? f.fin : true });
      const close = await up.ws!.next();
      expect(close?.opcode).toBe(Opcode.Close);
      expect(close!.payload.readUInt16BE(0)).toBe(code);
      expect(server.got).toEqual([]);
      up.ws!.socket.destroy();
    }
  });

  it("negotiates nothing without sharedDeflate", async () => {
    const { port, accepted } = await start(false);
    const { c, extensions } = await client(port);
    const server = await accepted;
    expect(extensions).toBeUndefined();
    expect(c.extensions).toBe("");
    expect(server.ws.deflate).toBe(false);
  });
});
