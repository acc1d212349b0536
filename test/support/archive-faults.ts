/**
 * What the write-behind's fault tests share (test/faults/archive-*.test.ts): a Redis Cluster and a
 * PostgreSQL server of their own (the tests freeze, stop and restart it), chat replicas with
 * DATABASE_URL, a reader of the archive that looks at the database directly, and the final
 * check: every acked message archived under its acked id, none twice.
 */
import { pino } from "pino";
import { afterAll, beforeAll, expect } from "vitest";
import type { ArchivedEntry, MessageArchive } from "../../src/archive/message-archive.js";
import { openPostgresArchive } from "../../src/archive/postgres/postgres-archive.js";
import { startPostgres, type PostgresServerHandle } from "../harness/postgres-server.js";
import { startRedisCluster, type RedisClusterHandle } from "../harness/redis-cluster.js";
import { startReplica, type Replica } from "../harness/replica.js";
import { connectClient, join, type ChatClient } from "./clients.js";
import { FAST, TEST_SECRET } from "./embedded-server.js";

/** Small, so the streams would trim unarchived entries if trimming did not follow the checkpoints. */
export const FAULT_HISTORY_SIZE = 20;

export interface ArchiveFaults {
  cluster(): RedisClusterHandle;
  postgres(): PostgresServerHandle;
  /** The replicas' DATABASE_URL. */
  databaseUrl(): string;
  replicas(): Replica[];
  /** Starts one more replica with the same environment (e.g. while the database is down). */
  addReplica(): Promise<Replica>;
  /** A client on `url` joined to each of `rooms`; closed after the file. */
  client(url: string, rooms: string[]): Promise<ChatClient>;
}

/** Registers beforeAll/afterAll for a file: cluster, PostgreSQL, `replicaCount` replicas. */
export function useArchiveFaults(replicaCount: number): ArchiveFaults {
  let cluster: RedisClusterHandle | undefined;
  let postgres: PostgresServerHandle | undefined;
  let env: Record<string, string> = {};
  const replicas: Replica[] = [];
  const sockets: ChatClient[] = [];
  const addReplica = async () => {
    const replica = await startReplica({ env });
    replicas.push(replica);
    return replica;
  };
  beforeAll(async () => {
    [cluster, postgres] = await Promise.all([startRedisCluster({ nodeTimeoutMs: 2_000 }), startPostgres()]);
    const url = await postgres.createDatabase("archive");
    env = {
      REDIS_CLUSTER_NODES: cluster.seeds,
      DATABASE_URL: url,
      AUTH_SECRET: TEST_SECRET,
      ACK_TIMEOUT_MS: "300",
      HISTORY_SIZE: String(FAULT_HISTORY_SIZE),
      ...FAST,
    };
    for (let i = 0; i < replicaCount; i++) await addReplica();
  });
  afterAll(async () => {
    for (const s of sockets.splice(0)) s.close();
    postgres?.signal("SIGCONT");
    await Promise.all(replicas.map((r) => r.stop()));
    await cluster?.stop();
    await postgres?.close();
  });
  return {
    cluster: () => cluster!,
    postgres: () => postgres!,
    databaseUrl: () => env.DATABASE_URL!,
    replicas: () => replicas,
    addReplica,
    async client(url, rooms) {
      const s = await connectClient(url);
      sockets.push(s);
      for (const room of rooms) expect((await join(s, room)).ok).toBe(true);
      return s;
    },
  };
}

/** Everything the archive holds for `room`, read from the database directly (deleted entries too). */
export async function archivedEntries(databaseUrl: string, room: string): Promise<ArchivedEntry[]> {
  const { archive } = await openPostgresArchive({ logger: pino({ level: "silent" }) }, { connectionString: databaseUrl });
  try {
    return await collect(archive, room);
  } finally {
    await archive.close();
  }
}

async function collect(archive: MessageArchive, room: string): Promise<ArchivedEntry[]> {
  const all: ArchivedEntry[] = [];
  for await (const e of archive.export(room)) all.push(e);
  return all;
}

/**
 * Waits (bounded) until every acked message (per room: text -> id) is in the archive, then checks:
 * 0 acked messages missing (under their acked ids, with their text), 0 texts archived twice.
 * Returns how long the wait took.
 */
export async function expectArchivedExactlyOnce(databaseUrl: string, acked: Map<string, Map<string, string>>, deadlineMs: number): Promise<number> {
  const { archive } = await openPostgresArchive({ logger: pino({ level: "silent" }) }, { connectionString: databaseUrl });
  const started = Date.now();
  try {
    let missing: string[] = [];
    let twice: string[] = [];
    for (;;) {
      missing = [];
      twice = [];
      for (const [room, sent] of acked) {
        const entries = await collect(archive, room);
        const byId = new Map(entries.map((e) => [e.id, e.text]));
        missing.push(...[...sent].filter(([text, id]) => byId.get(id) !== text).map(([text]) => `${room}: ${text}`));
        const texts = entries.map((e) => e.text);
        twice.push(...texts.filter((t, i) => texts.indexOf(t) !== i).map((t) => `${room}: ${t}`));
      }
      if (missing.length === 0 || Date.now() - started > deadlineMs) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(missing, "acked messages missing from the archive").toEqual([]);
    expect(twice, "messages archived twice").toEqual([]);
    return Date.now() - started;
  } finally {
    await archive.close();
  }
}
