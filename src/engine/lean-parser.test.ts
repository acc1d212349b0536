/** The lean Decoder decodes as socket.io-parser's own does, with its listener table kept exact. */
import * as parser from "socket.io-parser";
import { describe, expect, it } from "vitest";
import { leanParser } from "./lean-parser.js";

function decodeAll(decoder: parser.Decoder, encoded: (string | Buffer)[]): parser.Packet[] {
  const got: parser.Packet[] = [];
  decoder.on("decoded", (p: parser.Packet) => got.push(p));
  for (const chunk of encoded) decoder.add(chunk);
  return got;
}

describe("leanParser", () => {
  it("decodes events, acks and binary attachments like socket.io-parser", () => {
    const packets: parser.Packet[] = [
      { type: parser.PacketType.CONNECT, nsp: "/", data: { token: "t" } },
      { type: parser.PacketType.EVENT, nsp: "/", id: 7, data: ["chat:send", { room: "r", text: "héllo" }] },
      // Encoded as a BINARY_EVENT with one attachment.
      { type: parser.PacketType.EVENT, nsp: "/", data: ["bin", Buffer.from([1, 2, 3])] },
    ];
    const encoder = new leanParser.Encoder();
    const encoded = packets.flatMap((p) => encoder.encode(p) as (string | Buffer)[]);
    const lean = decodeAll(new leanParser.Decoder(), encoded);
    const stock = decodeAll(new parser.Decoder(), encoded);
    expect(lean).toEqual(stock);
    expect(lean.map((p) => p.type)).toEqual([parser.PacketType.CONNECT, parser.PacketType.EVENT, parser.PacketType.EVENT]);
    expect(lean[2]!.data).toEqual(["bin", Buffer.from([1, 2, 3])]);
  });

  it("keeps one listener in a list of one, and still takes more and removes them", () => {
    const d = new leanParser.Decoder();
    const seen: string[] = [];
    const first = () => seen.push("first");
    d.on("decoded", first);
    expect((d as unknown as { _callbacks: Record<string, unknown[]> })._callbacks).toEqual({ $decoded: [first] });
    d.on("decoded", () => seen.push("second"));
    d.add('2["x"]');
    d.off("decoded", first);
    d.add('2["y"]');
    expect(seen).toEqual(["first", "second", "second"]);
  });

  it("refuses too many attachments with socket.io-parser's default limit", () => {
    const d = new leanParser.Decoder();
    expect(() => d.add('511-["x"]')).toThrow(/too many attachments/);
  });
});
