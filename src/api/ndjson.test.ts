/** streamNdjson's contract with a fake response: backpressure, a client that leaves, failures before and after the first line. */
import { EventEmitter } from "node:events";
import type { Response } from "express";
import { describe, expect, it } from "vitest";
import { streamNdjson } from "./ndjson.js";

/** A response whose socket takes `capacity` writes before it asks to wait for `drain`. */
class FakeResponse extends EventEmitter {
  chunks: string[] = [];
  headers: Record<string, string> = {};
  statusCode = 0;
  ended = false;
  destroyed: Error | undefined;
  headersSent = false;
  constructor(private capacity = Infinity) {
    super();
  }
  status(code: number) {
    this.statusCode = code;
    return this;
  }
  setHeader(name: string, value: string) {
    this.headers[name.toLowerCase()] = value;
  }
  write(chunk: string): boolean {
    this.headersSent = true;
    this.chunks.push(chunk);
    return this.chunks.length < this.capacity;
  }
  end() {
    this.ended = true;
  }
  destroy(err: Error) {
    this.destroyed = err;
    this.emit("close");
  }
}

/** Entries of ~1 KB each, counting how many were pulled. */
function source(n: number, fail?: { at: number }) {
  const state = { pulled: 0, returned: false };
  async function* gen() {
    try {
      for (let i = 0; i < n; i++) {
        if (fail && i === fail.at) throw new Error(`read failed at ${i}`);
        state.pulled++;
        yield { i, pad: "x".repeat(1000) };
      }
    } finally {
      state.returned = true;
    }
  }
  return { state, entries: gen() };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("streamNdjson", () => {
  it("writes every entry as one JSON line, in order, then ends", async () => {
    const res = new FakeResponse();
    const { entries } = source(40);
    await streamNdjson(res as unknown as Response, entries, (e) => e);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/x-ndjson/);
    const lines = res.chunks.join("").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { i: number });
    expect(lines.map((l) => l.i)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(res.ended).toBe(true);
  });

  it("stops pulling entries while the socket is full, and goes on after drain", async () => {
    const res = new FakeResponse(1);
    const { state, entries } = source(200);
    const done = streamNdjson(res as unknown as Response, entries, (e) => e);
    await tick();
    // One chunk (~16 KB, 16-17 entries) went out and the socket asked to wait: nothing more is read.
    const held = state.pulled;
    expect(held).toBeLessThan(20);
    await tick();
    expect(state.pulled).toBe(held);
    for (let i = 0; i < 50 && !res.ended; i++) {
      res.emit("drain");
      await tick();
    }
    await done;
    expect(state.pulled).toBe(200);
    expect(res.ended).toBe(true);
  });

  it("a client that goes away stops the read (the source is closed)", async () => {
    const res = new FakeResponse(1);
    const { state, entries } = source(1000);
    const done = streamNdjson(res as unknown as Response, entries, (e) => e);
    await tick();
    res.emit("close");
    await done;
    expect(state.pulled).toBeLessThan(40);
    expect(state.returned).toBe(true);
    expect(res.ended).toBe(false);
  });

  it("a failure before the first line rejects with nothing sent (the error handler answers); after it, cuts the response", async () => {
    const early = new FakeResponse();
    await expect(streamNdjson(early as unknown as Response, source(5, { at: 0 }).entries, (e) => e)).rejects.toThrow("read failed at 0");
    expect(early.headersSent).toBe(false);
    expect(early.statusCode).toBe(0);
    const late = new FakeResponse();
    await expect(streamNdjson(late as unknown as Response, source(100, { at: 60 }).entries, (e) => e)).rejects.toThrow("read failed at 60");
    expect(late.destroyed?.message).toBe("read failed at 60");
    expect(late.ended).toBe(false);
  });
});
