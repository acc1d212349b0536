/**
 * The little the PostgreSQL archive needs from a connection: `pg`'s pool in production
 * (pg-sql-client.ts); any other PostgreSQL speaks it too (the embedded bench runs PGlite on it).
 */
export interface SqlResult<R> {
  rows: R[];
  /** Rows the statement inserted, updated, deleted or returned. */
  rowCount: number;
}

export interface SqlQueryable {
  /** One statement with `$1`-style parameters. */
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>>;
  /** A script of several statements, without parameters (migrations). */
  exec(text: string): Promise<void>;
}

export interface SqlClient extends SqlQueryable {
  /** Runs `fn` on one connection for its whole duration (session-level advisory locks). */
  session<T>(fn: (conn: SqlQueryable) => Promise<T>): Promise<T>;
  /** Runs `fn` in one transaction on one connection; rolls back when it throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
