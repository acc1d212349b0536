import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { afterEach, expect, it } from "vitest";
import { ReadPacer } from "./read-pacer.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/**
 * Another process writes 10 bytes every 2 ms for `ms` to a socket of this one (so that pacing here
 * does not slow the writer down); resolves with the sizes of the reads here.
 */
async function readsOfSteadyWriter(ms: number): Promise<number[]> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const writer = spawn(process.execPath, [
    "-e",
    `const s = require("node:net").connect(${(server.address() as AddressInfo).port}, "127.0.0.1", () => {
       s.setNoDelay(true);
       const t = setInterval(() => s.write("0123456789"), 2);
       setTimeout(() => { clearInterval(t); s.end(); }, ${ms});
     });`,
  ]);
  cleanups.push(() => {
    writer.kill();
    server.close();
  });
  const [socket] = (await once(server, "connection")) as [Socket];
  const reads: number[] = [];
  socket.on("data", (chunk: Buffer) => void reads.push(chunk.length));
  await once(socket, "end");
  return reads;
}

it("reads at most once per turn, everything that arrived meanwhile, and as it comes once stopped", async () => {
  const pacer = new ReadPacer();
  cleanups.push(() => pacer.stop());
  pacer.start(100);
  const paced = await readsOfSteadyWriter(600);
  pacer.stop();
  // ~300 writes in 0.6 s; one read per 100 ms turn (and a few around the start and the end).
  expect(paced.reduce((a, b) => a + b, 0) % 10).toBe(0);
  expect(paced.length).toBeLessThanOrEqual(12);
  expect(Math.max(...paced)).toBeGreaterThanOrEqual(300);

  const prompt = await readsOfSteadyWriter(300);
  expect(prompt.length).toBeGreaterThan(40);
});
