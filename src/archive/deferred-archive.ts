/**
 * An archive whose database is opened (connected and migrated) in the background, retried with
 * backoff until it works: a database that is down when a replica starts must not stop it serving
 * chat (issue #20). Until it is open every call fails as {@link ArchiveUnavailableError}, which
 * the write-behind retries and the HTTP layer answers with 503; afterwards calls go straight through.
 */
import type { Logger } from "pino";
import { Backoff } from "../util/backoff.js";
import {
  ArchiveUnavailableError,
  type ArchivedEntry,
  type ArchivePage,
  type Deletion,
  type EraseOptions,
  type MessageArchive,
  type PageQuery,
  type RangeQuery,
} from "./message-archive.js";

export interface DeferredArchiveOptions {
  /** First wait after a failed open; doubles per failure, with jitter. @default 1000 */
  retryMinMs: number;
  /** @default 30000 */
  retryMaxMs: number;
}

export const defaultDeferredArchiveOptions: DeferredArchiveOptions = { retryMinMs: 1_000, retryMaxMs: 30_000 };

export class DeferredArchive implements MessageArchive {
  private inner: MessageArchive | undefined;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private opening: Promise<void> | undefined;
  private readonly backoff: Backoff;
  private readonly opened: Promise<void>;
  private markOpened!: () => void;

  constructor(
    private readonly deps: { open: () => Promise<MessageArchive>; logger: Pick<Logger, "info" | "warn"> },
    options: Partial<DeferredArchiveOptions> = {},
  ) {
    const opts = { ...defaultDeferredArchiveOptions, ...options } satisfies DeferredArchiveOptions;
    this.backoff = new Backoff(opts.retryMinMs, opts.retryMaxMs);
    this.opened = new Promise((resolve) => (this.markOpened = resolve));
    this.attempt();
  }

  /** Resolves once the database is open (never, if it is closed first). */
  ready(): Promise<void> {
    return this.opened;
  }

  insert(entries: readonly ArchivedEntry[]): Promise<number> {
    return this.use((a) => a.insert(entries));
  }

  markDeleted(room: string, id: string, deletion: Deletion): Promise<boolean> {
    return this.use((a) => a.markDeleted(room, id, deletion));
  }

  page(room: string, query: PageQuery): Promise<ArchivePage> {
    return this.use((a) => a.page(room, query));
  }

  range(room: string, query: RangeQuery): AsyncIterable<ArchivedEntry> {
    // Open: the archive's own range, which checks the range at once (before any read).
    return this.inner ? this.inner.range(room, query) : this.unavailable();
  }

  export(room: string, options?: { chunkSize?: number }): AsyncIterable<ArchivedEntry> {
    return this.inner ? this.inner.export(room, options) : this.unavailable();
  }

  eraseUser(userId: string, options?: EraseOptions): Promise<number> {
    return this.use((a) => a.eraseUser(userId, options));
  }

  prune(olderThan: number): Promise<number> {
    return this.use((a) => a.prune(olderThan));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.opening;
    await this.inner?.close();
  }

  private attempt(): void {
    this.opening = this.deps
      .open()
      .then(
        async (archive) => {
          if (this.closed) return archive.close();
          this.inner = archive;
          this.backoff.succeed();
          this.deps.logger.info("archive database open");
          this.markOpened();
        },
        (err: unknown) => {
          if (this.closed) return;
          const waitMs = this.backoff.fail();
          this.deps.logger.warn({ err, retryInMs: waitMs }, "archive database not reachable; chat goes on, archiving waits");
          this.timer = setTimeout(() => this.attempt(), waitMs).unref();
        },
      )
      .finally(() => (this.opening = undefined));
  }

  private use<T>(call: (archive: MessageArchive) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new ArchiveUnavailableError("the archive is closed"));
    if (!this.inner) return Promise.reject(new ArchiveUnavailableError("the archive database is not open yet"));
    return call(this.inner);
  }

  private unavailable(): AsyncIterable<ArchivedEntry> {
    return {
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new ArchiveUnavailableError("the archive database is not open yet")) }),
    };
  }
}
