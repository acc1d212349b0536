/**
 * The embedded archive: one SQLite file in DATA_DIR (better-sqlite3), so `npm install && npm start`
 * keeps every message across restarts with no server to install. Chosen over PGlite by measurement
 * (bench/README.md, "The archive"): it opens in a fraction of a second and adds tens of megabytes,
 * not seconds and hundreds of them.
 *
 * better-sqlite3 is synchronous: each call holds the event loop for its statement (a page reads in
 * well under a millisecond, an insert of 100 entries takes a few), so callers keep batches to a
 * few hundred entries. Long operations (erasure, retention, ranges) work in chunks and give the
 * event loop back between them.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import type BetterSqlite3 from "better-sqlite3";
import { checkPage, checkRange, chunked, exportRange, pageOf } from "../archive-query.js";
import { checkEntries } from "../entry-check.js";
import { toEntryRow, type EntryRow } from "../entry-row.js";
import {
  ArchiveUnavailableError,
  defaultArchiveOptions,
  type ArchiveOptions,
  type ArchivedEntry,
  type ArchivePage,
  type Deletion,
  type EraseOptions,
  type MessageArchive,
  type PageQuery,
  type RangeQuery,
} from "../message-archive.js";
import { migrateSqlite, type SqliteMigrationReport } from "./sqlite-migrate.js";
import { SQLITE_MIGRATIONS } from "./sqlite-migrations.js";
import { SqliteModerationLog } from "./sqlite-moderation-log.js";
import * as Sql from "./sqlite-sql.js";

type Database = BetterSqlite3.Database;

/** SQLite result codes of a file the process cannot use right now (locked, full, unreadable). */
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|READONLY|NOMEM)/;

function classify(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && UNAVAILABLE.test(code)) {
    return new ArchiveUnavailableError(`archive file unavailable: ${(err as Error).message}`, { cause: err });
  }
  return err;
}

/** SQLite has no boolean or JSON type: 0/1 and JSON text. */
function toSqliteRow(e: ArchivedEntry): Sql.SqliteRow {
  const row = toEntryRow(e);
  return { ...row, is_system: row.is_system ? 1 : 0, extra: JSON.stringify(row.extra) };
}

function fromSqliteRow(r: Sql.SqliteRow): EntryRow {
  return { ...r, is_system: r.is_system === 1, extra: JSON.parse(r.extra) as EntryRow["extra"] };
}

/** The archive on an open, migrated SQLite database; `close()` closes `db`. */
export class SqliteArchive implements MessageArchive {
  private readonly opts: ArchiveOptions;
  private readonly stmt;
  private readonly insertAll: (entries: ArchivedEntry[]) => number;

  constructor(
    private readonly db: Database,
    options: Partial<ArchiveOptions> = {},
  ) {
    this.opts = { ...defaultArchiveOptions, ...options } satisfies ArchiveOptions;
    const prepare = <R>(sql: string) => db.prepare<unknown[], R>(sql);
    this.stmt = {
      insert: prepare(Sql.INSERT_ENTRY),
      flag: prepare(Sql.FLAG_DELETED),
      exists: prepare<{ found: 1 }>(Sql.ENTRY_EXISTS),
      latest: prepare<Sql.SqliteRow>(Sql.PAGE_LATEST),
      before: prepare<Sql.SqliteRow>(Sql.PAGE_BEFORE),
      after: prepare<Sql.SqliteRow>(Sql.PAGE_AFTER),
      rangeFrom: prepare<Sql.SqliteRow>(Sql.RANGE_FROM),
      rangeAfter: prepare<Sql.SqliteRow>(Sql.RANGE_AFTER),
      recordErasure: prepare(Sql.RECORD_ERASURE),
      eraseChunk: prepare<{ room: string; id: string }>(Sql.ERASE_CHUNK),
      pruneChunk: prepare(Sql.PRUNE_CHUNK),
      pruneErasures: prepare(Sql.PRUNE_ERASURES),
    };
    // One transaction per batch: all of it or none, and one journal write instead of one per row.
    this.insertAll = db.transaction((entries: ArchivedEntry[]) => {
      let inserted = 0;
      for (const e of entries) {
        inserted += this.stmt.insert.run(toSqliteRow(e)).changes;
        if (e.deleted) this.stmt.flag.run({ room: e.room, id: e.id, at: e.deleted.at, by: e.deleted.by });
      }
      return inserted;
    });
  }

  /** Runs a synchronous database step, reporting a file it cannot use as unavailable. */
  private run<T>(step: () => T): T {
    try {
      return step();
    } catch (err) {
      throw classify(err);
    }
  }

  async insert(entries: readonly ArchivedEntry[]): Promise<number> {
    const unique = checkEntries(entries);
    if (unique.length === 0) return 0;
    return this.run(() => this.insertAll(unique));
  }

  async markDeleted(room: string, id: string, deletion: Deletion): Promise<boolean> {
    return this.run(() => {
      if (this.stmt.flag.run({ room, id, at: deletion.at, by: deletion.by }).changes > 0) return true;
      return this.stmt.exists.get(room, id) !== undefined;
    });
  }

  async page(room: string, query: PageQuery): Promise<ArchivePage> {
    const checked = checkPage(query);
    const { cursor, limit } = checked;
    const rows = this.run(() =>
      cursor.direction === "latest"
        ? this.stmt.latest.all(room, limit + 1)
        : (cursor.direction === "before" ? this.stmt.before : this.stmt.after).all(room, cursor.id, limit + 1),
    );
    return pageOf(rows.map(fromSqliteRow), checked);
  }

  range(room: string, query: RangeQuery): AsyncIterable<ArchivedEntry> {
    const { fromId, toId, includeDeleted, chunkSize } = checkRange(query);
    return chunked(chunkSize, (after) =>
      this.run(() => (after === undefined ? this.stmt.rangeFrom : this.stmt.rangeAfter).all(room, after ?? fromId, toId, includeDeleted ? 1 : 0, chunkSize)).map(fromSqliteRow),
    );
  }

  export(room: string, options: { chunkSize?: number } = {}): AsyncIterable<ArchivedEntry> {
    return this.range(room, exportRange(options));
  }

  async eraseUser(userId: string, options: EraseOptions = {}): Promise<number> {
    const upTo = options.upTo ?? this.opts.now();
    // First the mark, so an insert after it is refused; SQLite runs one write at a time, so no
    // insert can fall between the mark and the deletes unseen.
    this.run(() => this.stmt.recordErasure.run(userId, upTo));
    let erased = 0;
    for (;;) {
      const rows = this.run(() => this.stmt.eraseChunk.all(userId, upTo, this.opts.eraseChunk));
      erased += rows.length;
      if (rows.length > 0) await options.onErased?.(rows.map((r) => ({ room: r.room, id: r.id })));
      if (rows.length < this.opts.eraseChunk) return erased;
      await nextTurn();
    }
  }

  async prune(olderThan: number): Promise<number> {
    let removed = 0;
    for (;;) {
      const { changes } = this.run(() => this.stmt.pruneChunk.run(olderThan, this.opts.pruneChunk));
      removed += changes;
      if (changes < this.opts.pruneChunk) break;
      await nextTurn();
    }
    this.run(() => this.stmt.pruneErasures.run(olderThan));
    return removed;
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.run(() => this.db.pragma("optimize")); // keeps the query planner's statistics fresh
    this.db.close();
  }
}

export interface OpenSqliteOptions extends Partial<ArchiveOptions> {
  /** The data directory (DATA_DIR); the archive is its `archive.sqlite` file. */
  dataDir: string;
}

export interface OpenedSqliteArchive {
  archive: MessageArchive;
  /** The moderation log kept in the same file (issue #21); closed with the archive. */
  moderationLog: SqliteModerationLog;
  migrations: SqliteMigrationReport;
}

/** The file's name inside DATA_DIR. */
export const ARCHIVE_FILE = "archive.sqlite";

/**
 * Opens (creating on first use) and migrates the archive file under `dataDir`. Rejects with
 * ArchiveUnavailableError when better-sqlite3 (an optional dependency with a native build) is not
 * installed, or the file cannot be opened.
 */
export async function openSqliteArchive(options: OpenSqliteOptions): Promise<OpenedSqliteArchive> {
  const { dataDir, ...rest } = options;
  let Database: typeof BetterSqlite3;
  try {
    Database = (await import("better-sqlite3")).default;
  } catch (err) {
    throw new ArchiveUnavailableError(
      "the embedded archive needs better-sqlite3, an optional dependency that did not install (its native build needs g++, make and python3 when no prebuilt binary can be downloaded): run `npm rebuild better-sqlite3`",
      { cause: err },
    );
  }
  let db: Database | undefined;
  try {
    mkdirSync(dataDir, { recursive: true });
    db = new Database(join(dataDir, ARCHIVE_FILE));
    // WAL: readers never wait for the writer; NORMAL: a commit survives a process crash (only a
    // power loss can take the last ones), one fsync per checkpoint instead of per commit.
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("busy_timeout = 5000");
    const migrations = migrateSqlite(db, SQLITE_MIGRATIONS);
    return { archive: new SqliteArchive(db, rest), moderationLog: new SqliteModerationLog(db), migrations };
  } catch (err) {
    db?.close();
    throw classify(err);
  }
}
