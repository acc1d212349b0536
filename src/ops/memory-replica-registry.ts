import { byAge, type ReplicaBeat, type ReplicaRegistry, type StoredBeat } from "./replica-registry.js";

/** The embedded single process's registry: the same semantics as the Redis one, in memory. */
export class MemoryReplicaRegistry implements ReplicaRegistry {
  private readonly beats = new Map<string, { beat: ReplicaBeat; at: number; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async beat(beat: ReplicaBeat, ttlMs: number): Promise<void> {
    const at = this.now();
    this.beats.set(beat.id, { beat, at, expiresAt: at + ttlMs });
  }

  async leave(replicaId: string): Promise<void> {
    this.beats.delete(replicaId);
  }

  async list(): Promise<StoredBeat[]> {
    const now = this.now();
    const out: StoredBeat[] = [];
    for (const [id, b] of this.beats) {
      if (b.expiresAt <= now) this.beats.delete(id);
      else out.push({ beat: b.beat, ageMs: now - b.at });
    }
    return out.sort(byAge);
  }

  async close(): Promise<void> {
    this.beats.clear();
  }
}
