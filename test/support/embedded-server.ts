/** An in-process chat server on a free port with the embedded (in-memory) parts. */
import { pino } from "pino";
import type { ChatMetrics } from "../../src/observability/metrics.js";
import { embeddedBackend } from "../../src/runtime.js";
import { createChatServer, type ChatServer, type ChatServerOptions } from "../../src/server.js";
import type { MessageStore, MessageStoreOptions } from "../../src/store/message-store.js";
import type { MessageArchive } from "../../src/archive/message-archive.js";

export const TEST_SECRET = "test-secret-0123456789abcdef";

export interface EmbeddedServer {
  server: ChatServer;
  url: string;
  store: MessageStore;
  close(): Promise<void>;
}

export interface EmbeddedExtras {
  /** Wraps the in-memory store, e.g. to make it fail. @default none */
  wrapStore?: (store: MessageStore) => MessageStore;
  metrics?: ChatMetrics;
  /** Options of the in-memory store. @default its defaults */
  storeOptions?: Partial<MessageStoreOptions>;
  /**
   * An archive the test opened (and closes) itself: the store keeps every entry in it (as embedded
   * mode's file) and the server reads older history from it. @default none
   */
  archive?: MessageArchive;
}

export async function startEmbedded(options: Partial<ChatServerOptions> = {}, extras: EmbeddedExtras = {}): Promise<EmbeddedServer> {
  const backend = embeddedBackend(extras.storeOptions, extras.archive ? { archive: extras.archive } : {});
  const { presence, bus, notices, team, moderationLog } = backend;
  const store = extras.wrapStore ? extras.wrapStore(backend.store) : backend.store;
  const server = createChatServer(
    { authSecret: TEST_SECRET, viewerCounts: { tickMs: 50 }, ...options },
    { logger: pino({ level: "silent" }), store, bus, notices, team, moderationLog, presence, replicaId: "test", metrics: extras.metrics, archive: extras.archive },
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

/** Replica env for tests that send faster than a person: the rate limits have their own tests. */
export const FAST = {
  RATE_LIMIT_PER_SEC: "10000",
  RATE_LIMIT_BURST: "10000",
  RATE_LIMIT_PER_IP_PER_SEC: "1000000",
  RATE_LIMIT_PER_USER_PER_SEC: "1000000",
} as const;
