/** The harness pieces the load-balancer, fault and benchmark runs build on. */
import { Resolver } from "node:dns/promises";
import { describe, expect, it } from "vitest";
import { startDnsResponder } from "../harness/dns-responder.js";
import { startReplica } from "../harness/replica.js";

describe("startReplica", () => {
  it("learns the port from the server's log, serves, and stops gracefully on SIGTERM", async () => {
    const replica = await startReplica();
    try {
      expect(replica.port).toBeGreaterThan(0);
      const response = await fetch(`${replica.url}/healthz`);
      expect(response.status).toBe(200);
      expect(replica.logRecords().some((r) => r.msg === "chat server listening" && r.port === replica.port)).toBe(true);
    } finally {
      const exit = await replica.stop();
      expect(exit).toEqual({ code: 0, signal: null });
    }
  });

  it("rejects with the server's own output when the process cannot start", async () => {
    await expect(startReplica({ env: { HISTORY_SIZE: "lots" } })).rejects.toThrow(/HISTORY_SIZE/);
  });
});

describe("startDnsResponder", () => {
  it("answers A records for its names, nothing for others, and follows setRecords", async () => {
    const dns = await startDnsResponder({ chat: ["127.0.0.2", "127.0.0.3"] });
    try {
      const resolver = new Resolver({ timeout: 2_000, tries: 1 });
      resolver.setServers([dns.address]);
      expect((await resolver.resolve4("chat")).sort()).toEqual(["127.0.0.2", "127.0.0.3"]);
      expect(await resolver.resolve4("CHAT.")).toHaveLength(2);
      await expect(resolver.resolve4("nope")).rejects.toMatchObject({ code: "ENOTFOUND" });
      await expect(resolver.resolve6("chat")).rejects.toMatchObject({ code: "ENODATA" });
      dns.setRecords("chat", ["127.0.0.4"]);
      expect(await resolver.resolve4("chat")).toEqual(["127.0.0.4"]);
    } finally {
      await dns.close();
    }
  });
});
