/**
 * The scaled archive: PostgreSQL (DATABASE_URL) through a `pg` pool, migrated at start. The class
 * speaks to a {@link SqlClient}, not to `pg` itself, so the statements can run on any PostgreSQL
 * connection (the embedded bench runs them on PGlite).
 */
import type { Logger } from "pino";
import { checkPage, checkRange, chunked, exportRange, pageOf } from "../archive-query.js";
import { checkEntries } from "../entry-check.js";
import { toEntryRow, type EntryRow } from "../entry-row.js";
import {
  defaultArchiveOptions,
  type ArchivedEntry,
  type ArchiveOptions,
  type ArchivePage,
  type Deletion,
  type EraseOptions,
  type MessageArchive,
  type PageQuery,
  type RangeQuery,
} from "../message-archive.js";
import { migrate, type MigrationReport } from "./migrate.js";
import { createPgPool, defaultPgPoolOptions, pgSqlClient, type PgPoolOptions } from "./pg-sql-client.js";
import { POSTGRES_MIGRATIONS } from "./postgres-migrations.js";
import { PostgresModerationLog } from "./postgres-moderation-log.js";
import {
  ERASE_CHUNK,
  FLAG_DELETED,
  INSERT_ENTRIES,
  LOCK_ERASURES_FOR_INSERT,
  MARK_DELETED,
  PAGE_AFTER,
  PAGE_BEFORE,
  PAGE_LATEST,
  PRUNE_CHUNK,
  PRUNE_ERASURES,
  RANGE_AFTER,
  RANGE_FROM,
  RECORD_ERASURE,
  SESSION_SETUP,
} from "./postgres-sql.js";
import type { SqlClient } from "./sql-client.js";

/** The archive on a migrated PostgreSQL database; `close()` closes `sql`. */
export class PostgresArchive implements MessageArchive {
  private readonly opts: ArchiveOptions;

  constructor(
    private readonly sql: SqlClient,
    options: Partial<ArchiveOptions> = {},
  ) {
    this.opts = { ...defaultArchiveOptions, ...options } satisfies ArchiveOptions;
  }

  async insert(entries: readonly ArchivedEntry[]): Promise<number> {
    const unique = checkEntries(entries);
    if (unique.length === 0) return 0;
    const flags = unique.filter((e) => e.deleted).map((e) => ({ room: e.room, id: e.id, at: e.deleted!.at, by: e.deleted!.by }));
    return this.sql.transaction(async (tx) => {
      await tx.query(LOCK_ERASURES_FOR_INSERT);
      const { rowCount } = await tx.query(INSERT_ENTRIES, [JSON.stringify(unique.map(toEntryRow))]);
      if (flags.length > 0) await tx.query(FLAG_DELETED, [JSON.stringify(flags)]);
      return rowCount;
    });
  }

  async markDeleted(room: string, id: string, deletion: Deletion): Promise<boolean> {
    const { rows } = await this.sql.query<{ found: boolean }>(MARK_DELETED, [room, id, deletion.at, deletion.by]);
    return rows[0]?.found === true;
  }

  async page(room: string, query: PageQuery): Promise<ArchivePage> {
    const checked = checkPage(query);
    const { cursor, limit } = checked;
    const { rows } =
      cursor.direction === "latest"
        ? await this.sql.query<EntryRow>(PAGE_LATEST, [room, limit + 1])
        : await this.sql.query<EntryRow>(cursor.direction === "before" ? PAGE_BEFORE : PAGE_AFTER, [room, cursor.id, limit + 1]);
    return pageOf(rows, checked);
  }

  range(room: string, query: RangeQuery): AsyncIterable<ArchivedEntry> {
    const { fromId, toId, includeDeleted, chunkSize } = checkRange(query);
    return chunked(chunkSize, async (after) => {
      const { rows } = await this.sql.query<EntryRow>(after === undefined ? RANGE_FROM : RANGE_AFTER, [room, after ?? fromId, toId, chunkSize, includeDeleted]);
      return rows;
    });
  }

  export(room: string, options: { chunkSize?: number } = {}): AsyncIterable<ArchivedEntry> {
    return this.range(room, exportRange(options));
  }

  async eraseUser(userId: string, options: EraseOptions = {}): Promise<number> {
    const upTo = options.upTo ?? this.opts.now();
    // First the mark (it waits for inserts in flight), then the deletes: see LOCK_ERASURES_FOR_INSERT.
    await this.sql.query(RECORD_ERASURE, [userId, upTo]);
    let erased = 0;
    for (;;) {
      const { rows } = await this.sql.query<{ room: string; id: string }>(ERASE_CHUNK, [userId, upTo, this.opts.eraseChunk]);
      erased += rows.length;
      if (rows.length > 0) await options.onErased?.(rows.map((r) => ({ room: r.room, id: r.id })));
      if (rows.length < this.opts.eraseChunk) return erased;
    }
  }

  async prune(olderThan: number): Promise<number> {
    let removed = 0;
    for (;;) {
      const { rowCount } = await this.sql.query(PRUNE_CHUNK, [olderThan, this.opts.pruneChunk]);
      removed += rowCount;
      if (rowCount < this.opts.pruneChunk) break;
    }
    await this.sql.query(PRUNE_ERASURES, [olderThan]);
    return removed;
  }

  close(): Promise<void> {
    return this.sql.close();
  }
}

export interface OpenPostgresOptions {
  /** `postgres://user:password@host:port/database` (DATABASE_URL). */
  connectionString: string;
  pool?: Partial<Omit<PgPoolOptions, "connectionString">>;
  archive?: Partial<ArchiveOptions>;
}

export interface PostgresArchiveDeps {
  /** Where a lost idle connection is reported (the pool reconnects on its own). */
  logger: Pick<Logger, "warn">;
}

export interface OpenedArchive {
  archive: MessageArchive;
  /**
   * The moderation log kept in the same database (issue #21), on the archive's pool: what the
   * Redis mode uses instead of the bounded Redis log when DATABASE_URL is set. Closed with the archive.
   */
  moderationLog: PostgresModerationLog;
  migrations: MigrationReport;
}

/**
 * Connects, brings the schema up to date (once however many replicas start together) and returns
 * the archive, which owns the pool. Rejects when the database cannot be reached or migrated.
 */
export async function openPostgresArchive(deps: PostgresArchiveDeps, options: OpenPostgresOptions): Promise<OpenedArchive> {
  const poolOptions = { ...defaultPgPoolOptions, ...options.pool, connectionString: options.connectionString };
  const onError = (err: Error) => deps.logger.warn({ err }, "archive: an idle database connection failed");
  // Migrations get a connection of their own without the query timeout: waiting for another
  // replica's migration, or building an index on a large table, may take longer than a query may.
  const migrations = await withClient(pgSqlClient(createPgPool({ ...poolOptions, maxConnections: 1, queryTimeoutMs: 0 }, onError)), (sql) =>
    migrate(sql, POSTGRES_MIGRATIONS),
  );
  const sql = pgSqlClient(createPgPool(poolOptions, onError), SESSION_SETUP);
  return { archive: new PostgresArchive(sql, options.archive), moderationLog: new PostgresModerationLog(sql), migrations };
}

async function withClient<T>(sql: SqlClient, fn: (sql: SqlClient) => Promise<T>): Promise<T> {
  try {
    return await fn(sql);
  } finally {
    await sql.close();
  }
}
