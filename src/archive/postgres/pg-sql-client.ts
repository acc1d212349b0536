/**
 * A `pg` pool as a {@link SqlClient}. Connection trouble (refused, reset, a server that stopped
 * answering within the timeouts, a server shutting down) surfaces as ArchiveUnavailableError; SQL
 * errors stay what they are (a bug, not an outage).
 */
import pg from "pg";
import { ArchiveUnavailableError } from "../message-archive.js";
import type { SqlClient, SqlQueryable, SqlResult } from "./sql-client.js";

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH", "EAI_AGAIN", "ENETUNREACH"]);
/** SQLSTATEs of a server going away or refusing connections for now. */
const UNAVAILABLE_STATES = new Set(["57P01", "57P02", "57P03", "53300", "53400"]);
/** Messages pg gives its own timeouts and a lost connection (no code of their own). */
const UNAVAILABLE_MESSAGES = /timeout|Connection terminated|Client has encountered a connection error|Client was closed/i;

/** True when `err` says the database cannot be reached rather than that a statement is wrong. */
export function isConnectionFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.has(code) || code.startsWith("08"))) return true;
  return UNAVAILABLE_MESSAGES.test(err.message);
}

function classify(err: unknown): unknown {
  if (err instanceof ArchiveUnavailableError || !isConnectionFailure(err)) return err;
  return new ArchiveUnavailableError(`database unavailable: ${(err as Error).message}`, { cause: err });
}

/** bigint (int8) columns as numbers: ms timestamps are far below 2^53. */
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

export interface PgPoolOptions {
  /** `postgres://user:password@host:port/database` (DATABASE_URL). */
  connectionString: string;
  /** Most connections this process opens. @default 10 */
  maxConnections: number;
  /** Longest wait for a new connection. @default 5000 */
  connectTimeoutMs: number;
  /**
   * Longest wait for one statement's answer, so a frozen server (SIGSTOP, a dead network path)
   * fails a call instead of hanging it: the write-behind retries later. 0 = no limit (migrations).
   * @default 10000
   */
  queryTimeoutMs: number;
}

export const defaultPgPoolOptions: Omit<PgPoolOptions, "connectionString"> = {
  maxConnections: 10,
  connectTimeoutMs: 5_000,
  queryTimeoutMs: 10_000,
};

/** A pool with the archive's settings. Its `error` events (an idle connection lost) go to `onError`. */
export function createPgPool(options: PgPoolOptions, onError: (err: Error) => void): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections,
    connectionTimeoutMillis: options.connectTimeoutMs,
    query_timeout: options.queryTimeoutMs || undefined,
    keepAlive: true,
    application_name: "live-chat-archive",
    types,
  });
  pool.on("error", onError);
  return pool;
}

function wrap(client: pg.PoolClient): SqlQueryable {
  return {
    async query<R>(text: string, params: readonly unknown[] = []): Promise<SqlResult<R>> {
      const r = await client.query(text, params as unknown[]);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
    },
    async exec(text: string): Promise<void> {
      await client.query(text);
    },
  };
}

/**
 * `pool` is the caller's; `close()` ends it. `sessionSetup` runs once on each connection before its
 * first statement (SET commands: session state, so a pooler must run in session mode, as the
 * migrations' advisory lock needs anyway).
 */
export function pgSqlClient(pool: pg.Pool, sessionSetup?: string): SqlClient {
  const ready = new WeakSet<pg.PoolClient>();
  const session = async <T>(fn: (conn: SqlQueryable) => Promise<T>): Promise<T> => {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw classify(err);
    }
    let failure: unknown;
    // pg-pool listens for a connection's errors only while it is idle. A connection lost while
    // checked out (the server shut down mid-transaction, the ROLLBACK still in flight) emits
    // 'error' too, and with no listener that crashes the process: keep one while it is ours.
    // The statement in flight fails on its own; a later one finds the client not queryable.
    const onLost = (err: Error) => {
      failure ??= err;
    };
    client.on("error", onLost);
    try {
      if (sessionSetup && !ready.has(client)) {
        await client.query(sessionSetup);
        ready.add(client);
      }
      return await fn(wrap(client));
    } catch (err) {
      failure = err;
      throw classify(err);
    } finally {
      client.off("error", onLost);
      // A connection that failed (or timed out mid-statement) is not given to the next caller.
      client.release(failure !== undefined && isConnectionFailure(failure) ? (failure as Error) : undefined);
    }
  };
  return {
    query: (text, params) => session((conn) => conn.query(text, params)),
    exec: (text) => session((conn) => conn.exec(text)),
    session,
    transaction: (fn) =>
      session(async (conn) => {
        await conn.exec("BEGIN");
        try {
          const result = await fn(conn);
          await conn.exec("COMMIT");
          return result;
        } catch (err) {
          await conn.exec("ROLLBACK").catch(() => undefined);
          throw err;
        }
      }),
    close: async () => {
      if (!pool.ended) await pool.end();
    },
  };
}
