/** An in-process chat server on a free port with the embedded (in-memory) parts. */
import { pino } from "pino";
import type { ChatMetrics } from "../../src/observability/metrics.js";
import { MemoryPresenceStore } from "../../src/presence/memory-presence-store.js";
import { createChatServer, type ChatServer, type ChatServerOptions } from "../../src/server.js";
import { MemoryMessageStore } from "../../src/store/memory-message-store.js";
import type { MessageStore } from "../../src/store/message-store.js";

export const TEST_SECRET = "test-secret-0123456789abcdef";

export interface EmbeddedServer {
  server: ChatServer;
  url: string;
  store: MessageStore;
  close(): Promise<void>;
}

export async function startEmbedded(
  options: Partial<ChatServerOptions> = {},
  store: MessageStore = new MemoryMessageStore(),
  metrics?: ChatMetrics,
): Promise<EmbeddedServer> {
  const presence = new MemoryPresenceStore();
  const server = createChatServer(
    { authSecret: TEST_SECRET, viewerCounts: { tickMs: 50 }, ...options },
    { logger: pino({ level: "silent" }), store, presence, replicaId: "test", metrics },
  );
  const port = await server.listen(0, "127.0.0.1");
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    store,
    async close() {
      await server.close();
      await store.close();
      await presence.close();
    },
  };
}

/** Replica env for tests that send faster than a person: the rate limit has its own tests. */
export const FAST = { RATE_LIMIT_PER_SEC: "10000", RATE_LIMIT_BURST: "10000" } as const;
