import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { DeferredArchive } from "./deferred-archive.js";
import { ArchiveUnavailableError, type MessageArchive } from "./message-archive.js";

const logger = pino({ level: "silent" });

function fakeArchive(): MessageArchive & { closed: boolean } {
  const fake = {
    closed: false,
    insert: async (entries: readonly unknown[]) => entries.length,
    close: async () => {
      fake.closed = true;
    },
  };
  return fake as unknown as MessageArchive & { closed: boolean };
}

describe("DeferredArchive", () => {
  it("fails calls as unavailable until the database opens (retried with backoff), then passes them through", async () => {
    let attempts = 0;
    const inner = fakeArchive();
    const archive = new DeferredArchive(
      {
        logger,
        open: async () => {
          if (++attempts < 3) throw new Error("connection refused");
          return inner;
        },
      },
      { retryMinMs: 10, retryMaxMs: 20 },
    );
    await expect(archive.insert([])).rejects.toBeInstanceOf(ArchiveUnavailableError);
    await expect(archive.export("r")[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(ArchiveUnavailableError);
    await archive.ready();
    expect(attempts).toBe(3);
    expect(await archive.insert([{} as never, {} as never])).toBe(2);
    await archive.close();
    expect(inner.closed).toBe(true);
    await expect(archive.insert([])).rejects.toBeInstanceOf(ArchiveUnavailableError);
  });

  it("stops retrying once closed", async () => {
    let attempts = 0;
    const archive = new DeferredArchive({ logger, open: async () => (attempts++, Promise.reject(new Error("down"))) }, { retryMinMs: 10, retryMaxMs: 10 });
    await new Promise((r) => setTimeout(r, 30));
    await archive.close();
    const seen = attempts;
    await new Promise((r) => setTimeout(r, 50));
    expect(attempts).toBe(seen);
  });
});
