/**
 * What compressing a room's frame once per tick costs (src/engine/websocket/deflate.ts), and what
 * it saves on the wire, for `chat:batch` frames of 1 to 40 entries: 80-character texts, either the
 * bench's stamped texts (padded with "x", which compress far better than chat does) or words drawn
 * at random from a chat-like vocabulary (closer to a real room). CPU is per compression, i.e. per room and tick, shared by every
 * viewer that accepted permessage-deflate. `npm run bench:deflate` (a few seconds).
 */
import { SharedFrame } from "../src/engine/shared-frame.js";
import { toBatchEntry } from "../src/delivery/wire-entries.js";
import type { PublishedEntry } from "../src/store/message-store.js";
import { stampText } from "./load/message-stamp.js";

const WORDS = ("lol gg that was insane no way did you see clip it pog kappa omg what a play hi chat " +
  "first time here love the stream can you play the song again when is the next one streamer is cracked " +
  "bro how rip that hurt nice shot wait what lets go hype hello from brazil germany france so good").split(" ");
let rng = 42;
function word(): string {
  rng = (rng * 1103515245 + 12345) % 2147483648;
  return WORDS[rng % WORDS.length]!;
}
function chatText(length: number): string {
  let t = "";
  while (t.length < length) t += (t ? " " : "") + word();
  return t.slice(0, length);
}

function batchPayload(entries: number, seq: number, realistic: boolean): Buffer {
  const list: PublishedEntry[] = [];
  for (let i = 0; i < entries; i++) {
    const n = seq + i;
    list.push({
      id: `${1796300000000 + n}-0`,
      prev: `${1796300000000 + n - 1}-0`,
      sender: "",
      room: "hot-ours-3m-mx7nanyg",
      kind: "chat",
      text: realistic ? chatText(80) : stampText({ sentAt: 1796300000000 + n * 7.3, replica: n % 2, lane: `p${n % 4}-0`, seq: n }, 80),
      user: { id: `anon-${(n * 7919) % 100000}`, name: `viewer${n % 4}`, role: "viewer" },
      ts: 1796300000000 + n,
    });
  }
  const packet = JSON.stringify(["chat:batch", { room: "hot-ours-3m-mx7nanyg", entries: list.map(toBatchEntry) }]);
  return Buffer.from("42" + packet);
}

console.log("| texts | entries per batch | plain frame bytes | deflated frame bytes | ratio | CPU per compression |");
console.log("|---|---|---|---|---|---|");
/** Microseconds per call of `f` over `runs` calls: the fastest of 5 repetitions (the machine is shared). */
function timeUs(runs: number, f: (i: number) => void): number {
  let best = Infinity;
  for (let rep = 0; rep < 5; rep++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) f(i);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1000 / runs);
  }
  return best;
}

for (const realistic of [false, true]) {
  for (const entries of [1, 3, 10, 40]) {
    const runs = 500;
    const payloads = Array.from({ length: runs }, (_, i) => batchPayload(entries, i * entries, realistic));
    let plain = 0;
    let deflated = 0;
    for (const p of payloads) {
      const frame = new SharedFrame([p], 256);
      plain += frame.plain.length;
      deflated += frame.deflated.length;
    }
    // Framing and compressing, minus framing alone: the compression's own cost.
    const both = timeUs(runs, (i) => new SharedFrame([payloads[i]!], 256).deflated);
    const framing = timeUs(runs, (i) => new SharedFrame([payloads[i]!], 256).plain);
    const us = both - framing;
    console.log(`| ${realistic ? "chat words" : "bench stamps"} | ${entries} | ${Math.round(plain / runs)} | ${Math.round(deflated / runs)} | ${(deflated / plain).toFixed(2)}x | ${us.toFixed(1)} µs |`);
  }
}
