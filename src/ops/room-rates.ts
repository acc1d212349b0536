/**
 * Messages stored per room on this replica since the last beat. The send path adds once per
 * room per flush (one tick's batch), never per viewer; a beat takes the counts and starts afresh,
 * so the map holds only the rooms that had messages within one beat.
 */
export class RoomRates {
  private counts = new Map<string, number>();

  /** `n` messages of `room` were stored. */
  add(room: string, n: number): void {
    if (n > 0) this.counts.set(room, (this.counts.get(room) ?? 0) + n);
  }

  /** The counts since the last call, and a fresh start. */
  take(): Map<string, number> {
    const counts = this.counts;
    this.counts = new Map();
    return counts;
  }
}
