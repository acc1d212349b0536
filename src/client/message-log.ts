/**
 * What one room's page has seen, by message id alone (PROTOCOL.md: ids of one room compare as
 * plain strings in storage order). It decides whether a message is new and where it goes, and
 * keeps the newest id for `since` on the next join. No DOM here, so it is unit-tested.
 */
export interface MessageLogOptions {
  /** Ids remembered for de-duplication; older ones are forgotten first. @default 2000 */
  maxIds: number;
}

const defaults: MessageLogOptions = { maxIds: 2000 };

export class MessageLog {
  private readonly opts: MessageLogOptions;
  /** Insertion-ordered, so the oldest remembered id is the first one to forget. */
  private readonly ids = new Set<string>();
  private newest: string | undefined;

  constructor(options: Partial<MessageLogOptions> = {}, newestId?: string) {
    this.opts = { ...defaults, ...options } satisfies MessageLogOptions;
    this.newest = newestId;
  }

  /** The newest id seen: what to pass as `since` when (re-)joining. */
  get lastId(): string | undefined {
    return this.newest;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Records an id; false when it was seen before (a duplicate to drop). */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.opts.maxIds) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
    if (this.newest === undefined || id > this.newest) this.newest = id;
    return true;
  }

  /**
   * Forgets a deleted message. When it was the newest, the newest before it becomes `since`: the
   * server no longer has the deleted id, and a `since` it cannot find would cost a full reload.
   */
  remove(id: string): void {
    if (!this.ids.delete(id) || id !== this.newest) return;
    this.newest = undefined;
    for (const other of this.ids) if (this.newest === undefined || other > this.newest) this.newest = other;
  }

  /**
   * Whether a live event whose previous stored entry is `prev` shows that we missed something:
   * `prev` is newer than all we have and we never saw it. (An older unseen `prev` is just an
   * out-of-order arrival, which the id order already handles.)
   */
  missed(prev: string | null | undefined): boolean {
    return !!prev && this.newest !== undefined && prev > this.newest && !this.ids.has(prev);
  }

  /** Forgets everything, e.g. when the server could not recover from `since` and sent fresh history. */
  reset(): void {
    this.ids.clear();
    this.newest = undefined;
  }
}

/**
 * Index at which `id` goes among `count` items ascending by id (`idAt(i)`), so the order stays by
 * id. Searches from the end because live messages almost always arrive last.
 */
export function insertionIndex(count: number, idAt: (i: number) => string, id: string): number {
  let i = count;
  while (i > 0 && idAt(i - 1) > id) i--;
  return i;
}
