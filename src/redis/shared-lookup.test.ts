import type { LookupAddress } from "node:dns";
import { createConnection, createServer, type LookupFunction } from "node:net";
import { describe, expect, it } from "vitest";
import { sharedLookup } from "./shared-lookup.js";

type Answer = Parameters<Parameters<LookupFunction>[2]>;

/** A resolver that answers only when the test says so, counting its calls. */
function slowResolver() {
  const pending: { hostname: string; answer: (...a: Answer) => void }[] = [];
  const lookup: LookupFunction = (hostname, _options, callback) => pending.push({ hostname, answer: callback });
  return { lookup, pending };
}

function lookupOnce(lookup: LookupFunction, hostname: string, all = false): Promise<Answer> {
  return new Promise((resolve) => lookup(hostname, { all }, (...answer) => resolve(answer)));
}

describe("sharedLookup", () => {
  it("makes one lookup for concurrent ones of a name, and gives its answer (or error) to each", async () => {
    const resolver = slowResolver();
    const lookup = sharedLookup(resolver.lookup);
    const dead = [lookupOnce(lookup, "redis-1"), lookupOnce(lookup, "redis-1"), lookupOnce(lookup, "redis-1")];
    const live = lookupOnce(lookup, "redis-2");
    expect(resolver.pending.map((p) => p.hostname)).toEqual(["redis-1", "redis-2"]);

    // The live name is answered while the dead one still waits.
    resolver.pending[1]!.answer(null, "10.0.0.2", 4);
    expect(await live).toEqual([null, "10.0.0.2", 4]);
    const failure = Object.assign(new Error("getaddrinfo EAI_AGAIN redis-1"), { code: "EAI_AGAIN" });
    resolver.pending[0]!.answer(failure, "", undefined);
    for (const answer of await Promise.all(dead)) expect(answer[0]).toBe(failure);

    // Settled lookups are not cached: the next one asks again.
    void lookupOnce(lookup, "redis-1");
    expect(resolver.pending).toHaveLength(3);
  });

  it("shares only between equal options (all: true answers a list)", async () => {
    const resolver = slowResolver();
    const lookup = sharedLookup(resolver.lookup);
    const one = lookupOnce(lookup, "redis-1");
    const list = lookupOnce(lookup, "redis-1", true);
    expect(resolver.pending).toHaveLength(2);
    resolver.pending[0]!.answer(null, "10.0.0.1", 4);
    const addresses: LookupAddress[] = [{ address: "10.0.0.1", family: 4 }];
    resolver.pending[1]!.answer(null, addresses);
    expect(await one).toEqual([null, "10.0.0.1", 4]);
    expect((await list)[1]).toEqual(addresses);
  });

  it("works as a socket's lookup with Node's own resolver", async () => {
    const server = createServer((s) => s.end("hi"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    try {
      const socket = createConnection({ host: "localhost", port, family: 4, lookup: sharedLookup() });
      const data = await new Promise<string>((resolve, reject) => {
        socket.once("data", (d) => resolve(String(d)));
        socket.once("error", reject);
      });
      expect(data).toBe("hi");
      socket.destroy();
    } finally {
      server.close();
    }
  });
});
