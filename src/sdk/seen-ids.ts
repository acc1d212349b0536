/**
 * The ids a room has seen, bounded (the oldest remembered is forgotten first). Ids of one room
 * compare as plain strings in storage order (docs/protocol.md), so this alone de-duplicates and says
 * what to pass as `since`. Some known ids are not usable as `since`: a deleted message (the server
 * no longer has it, and a `since` it cannot find costs a full reload), and a placeholder for an
 * entry a refill showed we will not get (a superseded notice), which is news if it does come.
 */
type Mark = "seen" | "placeholder" | "deleted";

export class SeenIds {
  /** Insertion-ordered, so the first key is the oldest to forget. */
  private readonly ids = new Map<string, Mark>();
  private newest: string | undefined;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.ids.size;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Records an entry we have; false when it is not news (seen before, or deleted). */
  add(id: string): boolean {
    const mark = this.ids.get(id);
    if (mark === "seen" || mark === "deleted") return false;
    if (mark === "placeholder") this.ids.delete(id); // re-inserted: it is recent now
    this.ids.set(id, "seen");
    if (this.newest === undefined || id > this.newest) this.newest = id;
    this.trim();
    return true;
  }

  /** Records an entry as accounted for, though we do not have it: not a gap, not a `since`. */
  markKnown(id: string): void {
    if (this.ids.has(id)) return;
    this.ids.set(id, "placeholder");
    this.trim();
  }

  /** A deleted message: known (a late copy is dropped), no longer a `since`. */
  remove(id: string): void {
    this.ids.set(id, "deleted");
    if (id === this.newest) this.newest = this.scan(undefined);
    this.trim();
  }

  /** Whether `id` is known but unusable as `since`. */
  unusable(id: string): boolean {
    const mark = this.ids.get(id);
    return mark !== undefined && mark !== "seen";
  }

  /** The newest usable id below `limit` (or overall, without one). */
  newestBelow(limit: string | undefined): string | undefined {
    return limit === undefined ? this.newest : this.scan(limit);
  }

  clear(): void {
    this.ids.clear();
    this.newest = undefined;
  }

  private scan(limit: string | undefined): string | undefined {
    let best: string | undefined;
    for (const [id, mark] of this.ids) {
      if (mark === "seen" && (limit === undefined || id < limit) && (best === undefined || id > best)) best = id;
    }
    return best;
  }

  private trim(): void {
    if (this.ids.size <= this.max) return;
    const oldest = this.ids.keys().next().value as string;
    this.ids.delete(oldest);
    if (oldest === this.newest) this.newest = this.scan(undefined);
  }
}
