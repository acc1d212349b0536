/** What the embedded archive bench drives, for each candidate engine. */
import type { ArchivedEntry, ArchivePage } from "../../src/archive/message-archive.js";

export interface BenchArchive {
  insert(entries: readonly ArchivedEntry[]): Promise<number>;
  page(room: string, before: string, limit: number): Promise<ArchivePage>;
  /** After a bulk load: what the engine needs to plan reads well (PGlite has no autovacuum). */
  afterLoad(): Promise<void>;
  close(): Promise<void>;
}
