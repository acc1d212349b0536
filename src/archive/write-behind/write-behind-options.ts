/** The write-behind sweeper's options, each with its default (docs/archive-design.md). */
export interface WriteBehindOptions {
  /** Pause between sweeps when the last one left nothing behind (a sweep is two scripts and one insert per shard). @default 100 */
  sweepIntervalMs: number;
  /**
   * How often a shard's unarchived sets are scanned for marked rooms (one script over all of the
   * shard's slots, a few ms of the node's time); sweeps in between read the rooms the last scan
   * found, so a room marked since waits for the next scan. @default 1000
   */
  scanIntervalMs: number;
  /** Rooms (oldest marks first) one sweep of a shard takes. @default 100 */
  roomsPerSweep: number;
  /** Entries read per room per sweep; a room with more is swept again at once. @default 500 */
  entriesPerRoom: number;
  /** Most entries one `archive.insert` carries (one transaction). @default 1000 */
  insertBatch: number;
  /** A shard's sweeper lease; another replica takes the shard over once it lapses. @default 10000 */
  leaseMs: number;
  /** How often the leases are taken or renewed. @default 3000 */
  leaseRenewMs: number;
  /** First wait after the archive failed; doubles per failure, with jitter. @default 1000 */
  backoffMinMs: number;
  /** Longest wait between attempts while the archive fails. @default 30000 */
  backoffMaxMs: number;
  /**
   * Most unarchived entries a shard keeps (ARCHIVE_BACKLOG_MAX): past it the oldest are dropped
   * unarchived (counted), so a days-long database outage cannot fill Redis. @default 1000000
   */
  backlogMax: number;
  /** How often the list of shards is read again (failovers, resharding). @default 5000 */
  shardsRefreshMs: number;
  /**
   * A room entry stored this long ago and still not published had a writer that died between its
   * WAIT and its publish: the sweeper has it published (the archive takes published entries
   * only). Well above ACK_TIMEOUT_MS, so a live writer's publish is never raced. @default 5000
   */
  strandedAfterMs: number;
}

export const defaultWriteBehindOptions: WriteBehindOptions = {
  sweepIntervalMs: 100,
  scanIntervalMs: 1_000,
  roomsPerSweep: 100,
  entriesPerRoom: 500,
  insertBatch: 1_000,
  leaseMs: 10_000,
  leaseRenewMs: 3_000,
  backoffMinMs: 1_000,
  backoffMaxMs: 30_000,
  backlogMax: 1_000_000,
  shardsRefreshMs: 5_000,
  strandedAfterMs: 5_000,
};
