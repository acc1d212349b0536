import { describe, expect, it } from "vitest";
import { isEventPacket, scanStamps } from "./delivery-scan.js";
import { readStamp, sentAtMicros, stampText } from "../message-stamp.js";

function collect(buf: Buffer, start = 0, end = buf.length): { n: number; stamps: [number, number][] } {
  const stamps: [number, number][] = [];
  const n = scanStamps(buf, start, end, { stamp: (us, replica) => void stamps.push([us, replica]) });
  return { n, stamps };
}

const user = { id: "anon-1", name: "bench", role: "viewer" };

describe("scanStamps", () => {
  const texts = [
    stampText({ sentAt: 1_763_881_234_567.125, replica: 1, lane: "p9-0", seq: 7 }, 80),
    stampText({ sentAt: 1_763_881_234_600.5, replica: 0 }, 80),
    stampText({ sentAt: 1_763_881_234_601, replica: 12, lane: "p9-1", seq: 1 }, 20),
  ];
  const want = texts.map((t) => {
    const s = readStamp(t)!;
    return [sentAtMicros(s), s.replica];
  });

  it("finds the stamp of a v1 chat:message, as exact microseconds", () => {
    const packet = Buffer.from(`42${JSON.stringify(["chat:message", { id: "1-1", room: "r", kind: "chat", text: texts[0], user, ts: 1 }])}`);
    expect(isEventPacket(packet, 0, packet.length)).toBe(true);
    expect(collect(packet)).toEqual({ n: 1, stamps: [want[0]] });
  });

  it("finds one stamp per entry of a chat:batch", () => {
    const entries = texts.map((text, i) => ({ id: `0-${i}`, kind: "chat", text, user, ts: 1, prev: i === 0 ? null : `0-${i - 1}` }));
    const packet = Buffer.from(`42${JSON.stringify(["chat:batch", { room: "r", entries }])}`);
    expect(collect(packet)).toEqual({ n: 3, stamps: want });
  });

  it("stays inside its packet when others follow in the same buffer", () => {
    const one = Buffer.from(`42${JSON.stringify(["chat:message", { text: texts[0] }])}`);
    const two = Buffer.from(`42${JSON.stringify(["chat:message", { text: texts[1] }])}`);
    const buf = Buffer.concat([Buffer.from([0x81, one.length]), one, Buffer.from([0x81, two.length]), two]);
    expect(collect(buf, 2, 2 + one.length)).toEqual({ n: 1, stamps: [want[0]] });
    expect(collect(buf, 4 + one.length)).toEqual({ n: 1, stamps: [want[1]] });
  });

  it("counts nothing in other events, and a malformed stamp as sent at 0", () => {
    expect(collect(Buffer.from('42["room:viewers",{"room":"r","count":3}]')).n).toBe(0);
    expect(collect(Buffer.from('42["chat:message",{"text":"hello bench|1|0|"}]')).n).toBe(0);
    expect(collect(Buffer.from('42["chat:message",{"user":{"name":"bench|1|0|"},"text":"a|b"}]')).n).toBe(0);
    expect(collect(Buffer.from('42["chat:message",{"text":"bench|12x|0|"}]'))).toEqual({ n: 1, stamps: [[0, 0]] });
    expect(isEventPacket(Buffer.from("431[{}]"), 0, 7)).toBe(false);
  });
});
