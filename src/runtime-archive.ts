/**
 * The archive's part of the composition root (issue #20): opening the embedded archive file from
 * config, and starting retention over an opened archive (either mode). Apart from runtime.ts so the
 * embedded and Redis branches share it.
 */
import type { Logger } from "pino";
import type { MessageArchive } from "./archive/message-archive.js";
import { startRetention, type Prunable, type Retention, type RetentionDeps, type RetentionLease, type RetentionOptions } from "./archive/retention.js";
import { ARCHIVE_FILE, openSqliteArchive } from "./archive/sqlite/sqlite-archive.js";
import { ConfigError, type Config } from "./config.js";
import type { ModerationLog } from "./store/moderation-log.js";

/** An open archive with the moderation log kept in it; `close` stops retention and closes the database. */
export interface OpenArchive {
  archive: MessageArchive;
  moderationLog: ModerationLog & Prunable;
  close(): Promise<void>;
}

/**
 * Embedded mode: the archive file `DATA_DIR/archive.sqlite` (created with its directory), or
 * nothing with ARCHIVE=off. Throws ConfigError naming DATA_DIR when the file cannot be used.
 * Starts retention when ARCHIVE_RETENTION_DAYS > 0.
 */
export async function openEmbeddedArchive(
  config: Pick<Config, "archive" | "dataDir" | "archiveRetentionDays">,
  logger: Logger,
  retention: RetentionTuning = {},
): Promise<OpenArchive | undefined> {
  if (!config.archive) {
    logger.warn("ARCHIVE=off: no archive file; the chat's history is in memory only and lost on restart");
    return undefined;
  }
  const file = `${config.dataDir}/${ARCHIVE_FILE}`;
  let opened;
  try {
    opened = await openSqliteArchive({ dataDir: config.dataDir });
  } catch (err) {
    throw new ConfigError("DATA_DIR", `cannot keep the archive in ${file} (${(err as Error).message}); point DATA_DIR at a writable directory, or set ARCHIVE=off to keep history in memory only`);
  }
  logger.info({ file, migrated: opened.migrations.applied }, "embedded archive: every message kept in the archive file");
  return withRetention({ archive: opened.archive, moderationLog: opened.moderationLog }, config.archiveRetentionDays, logger, undefined, retention);
}

/** Retention's timing and clock, for tests. @default hourly, first run a minute after start, Date.now */
export type RetentionTuning = Partial<Omit<RetentionOptions, "days">> & Pick<RetentionDeps, "now">;

/**
 * Starts retention over an opened archive and its moderation log when `days` > 0 (Redis mode:
 * pass the lease from retention-lease.ts so one replica prunes at a time); the result's `close`
 * stops it, then closes the archive.
 */
export function withRetention(
  opened: { archive: MessageArchive; moderationLog: ModerationLog & Prunable },
  days: number,
  logger: Logger,
  lease?: RetentionLease,
  tuning: RetentionTuning = {},
): OpenArchive {
  const { now, ...timing } = tuning;
  const retention: Retention | undefined =
    days > 0 ? startRetention({ targets: [opened.archive, opened.moderationLog], logger, ...(lease ? { lease } : {}), ...(now ? { now } : {}) }, { ...timing, days }) : undefined;
  return {
    ...opened,
    async close() {
      await retention?.stop();
      await opened.archive.close();
    },
  };
}
