import { describe, expect, it } from "vitest";
import { clientFrame, Opcode, readFrames, type FrameReaderState, type FrameSink } from "./websocket-reader.js";

/** A server frame (unmasked) with any header bits. */
function serverFrame(opcode: number, payload: Buffer | string, { fin = true, rsv = 0, mask = false } = {}): Buffer {
  const data = typeof payload === "string" ? Buffer.from(payload) : payload;
  const size = data.length;
  const extra = size < 126 ? 0 : size < 0x10000 ? 2 : 8;
  const head = Buffer.alloc(2 + extra + (mask ? 4 : 0));
  head[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
  head[1] = (mask ? 0x80 : 0) | (extra === 0 ? size : extra === 2 ? 126 : 127);
  if (extra === 2) head.writeUInt16BE(size, 2);
  if (extra === 8) head.writeBigUInt64BE(BigInt(size), 2);
  return Buffer.concat([head, data]);
}

interface Conn extends FrameReaderState {
  got: string[];
}

const conn = (): Conn => ({ partial: null, fragments: null, fragmentOpcode: 0, deflate: false, fragmentCompressed: false, got: [] });

const sink: FrameSink<Conn> = {
  message: (c, opcode, buf, start, end, compressed) => void c.got.push(`${compressed ? "z" : ""}${opcode}:${buf.toString("utf8", start, end)}`),
  control: (c, opcode, payload) => void c.got.push(`ctl${opcode}:${payload.toString()}`),
  violation: (c, reason) => void c.got.push(`violation:${reason}`),
};

/** Feeds `bytes` to a fresh connection in chunks cut at `cuts`. */
function feed(bytes: Buffer, cuts: number[] = [], deflate = false): Conn {
  const c = { ...conn(), deflate };
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    readFrames(c, bytes.subarray(at, cut), sink);
    at = cut;
  }
  return c;
}

describe("readFrames", () => {
  it("reads every length encoding, several frames to a read", () => {
    const sizes = [0, 1, 125, 126, 65_535, 65_536, 70_000];
    const texts = sizes.map((n, i) => String.fromCharCode(97 + i).repeat(n));
    const c = feed(Buffer.concat(texts.map((t) => serverFrame(Opcode.Text, t))));
    expect(c.got).toEqual(texts.map((t) => `1:${t}`));
    expect(c.partial).toBeNull();
  });

  it("reads frames split anywhere, byte by byte included", () => {
    const bytes = Buffer.concat([serverFrame(Opcode.Text, "42[\"a\"]"), serverFrame(Opcode.Ping, "p"), serverFrame(Opcode.Text, "x".repeat(300))]);
    const want = ['1:42["a"]', "ctl9:p", `1:${"x".repeat(300)}`];
    for (let cut = 1; cut < bytes.length; cut++) expect(feed(bytes, [cut]).got).toEqual(want);
    expect(feed(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1)).got).toEqual(want);
  });

  it("joins a fragmented message, with a control frame between its fragments", () => {
    const bytes = Buffer.concat([
      serverFrame(Opcode.Text, "42[\"chat", { fin: false }),
      serverFrame(Opcode.Ping, "hi"),
      serverFrame(Opcode.Continuation, ":batch\",", { fin: false }),
      serverFrame(Opcode.Continuation, "{}]"),
      serverFrame(Opcode.Text, "2"),
    ]);
    for (const cuts of [[], [3], [9, 17, 30]]) {
      expect(feed(bytes, cuts).got).toEqual(["ctl9:hi", '1:42["chat:batch",{}]', "1:2"]);
    }
  });

  it("marks compressed messages (RSV1 on the first frame) once permessage-deflate is negotiated", () => {
    const bytes = Buffer.concat([serverFrame(Opcode.Text, "zz", { rsv: 4 }), serverFrame(Opcode.Text, "a", { rsv: 4, fin: false }), serverFrame(Opcode.Continuation, "b"), serverFrame(Opcode.Text, "p")]);
    expect(feed(bytes, [], true).got).toEqual(["z1:zz", "z1:ab", "1:p"]);
  });

  it("passes close and pong frames on", () => {
    const close = Buffer.from([0x0f, 0xa0]);
    expect(feed(Buffer.concat([serverFrame(Opcode.Pong, ""), serverFrame(Opcode.Close, close)])).got).toEqual(["ctl10:", `ctl8:${close.toString()}`]);
  });

  it("refuses what a server must not send", () => {
    expect(feed(serverFrame(Opcode.Text, "x", { mask: true })).got).toEqual(["violation:masked frame from the server"]);
    expect(feed(serverFrame(Opcode.Text, "x", { rsv: 4 })).got).toEqual(["violation:RSV1 set outside a compressed message's first frame"]);
    expect(feed(serverFrame(Opcode.Text, "x", { rsv: 2 }), [], true).got).toEqual(["violation:RSV2 or RSV3 set"]);
    const rsv1OnContinuation = Buffer.concat([serverFrame(Opcode.Text, "a", { fin: false }), serverFrame(Opcode.Continuation, "b", { rsv: 4 })]);
    expect(feed(rsv1OnContinuation, [], true).got).toEqual(["violation:RSV1 set outside a compressed message's first frame"]);
    expect(feed(serverFrame(Opcode.Continuation, "x")).got).toEqual(["violation:continuation without a message"]);
    expect(feed(serverFrame(Opcode.Ping, "x", { fin: false })).got).toEqual(["violation:fragmented or long control frame"]);
    expect(feed(serverFrame(0x3, "x")).got).toEqual(["violation:reserved opcode 3"]);
    const twoStarts = Buffer.concat([serverFrame(Opcode.Text, "a", { fin: false }), serverFrame(Opcode.Text, "b")]);
    expect(feed(twoStarts).got).toEqual(["violation:new message inside a fragmented one"]);
  });
});

describe("clientFrame", () => {
  it("masks the payload with the key in its header, for every length encoding", () => {
    for (const size of [0, 3, 125, 126, 65_535, 65_536]) {
      const payload = Buffer.alloc(size, "z");
      const frame = clientFrame(Opcode.Text, payload);
      expect(frame[0]).toBe(0x81);
      expect(frame[1]! & 0x80).toBe(0x80);
      const len7 = frame[1]! & 0x7f;
      const maskAt = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
      const declared = len7 === 126 ? frame.readUInt16BE(2) : len7 === 127 ? Number(frame.readBigUInt64BE(2)) : len7;
      expect(declared).toBe(size);
      const body = frame.subarray(maskAt + 4);
      const unmasked = Buffer.from(body.map((b, i) => b ^ frame[maskAt + (i & 3)]!));
      expect(unmasked.equals(payload)).toBe(true);
    }
  });
});
