/**
 * Senders of held messages, waiting on this replica for the outcome (docs/protocol.md, "Held
 * messages"). A v1 sender's ack waits: it is `{ ok: true, id }` once the message is stored, or the
 * refusal once a moderator denies it; a sender with the `held` capability got its ack at once and
 * is sent `chat:held` instead. Outcomes arrive as `resolved` notices on the room's channel, from
 * whichever replica released or denied it.
 *
 * A wait is bounded: past `waitMs` (after the delay) a v1 ack says `unavailable`, and the client's
 * retry with the same clientId (which the protocol asks for) finds the message still held and
 * waits again, or gets its id. A `held` client re-sends on its own after a while (the SDK does).
 */
import { ErrorCode, ProtocolError, RefusalReason, type ErrorBody, type HeldOutcome, type QueueResolution } from "../protocol/index.js";

export interface HeldAcksOptions {
  /** How long past a message's due time (or, for a review, past its hold) a sender waits here. @default 30000 */
  waitMs: number;
}

export const defaultHeldAcksOptions: HeldAcksOptions = { waitMs: 30_000 };

interface Waiter {
  key: string;
  room: string;
  socketId: string;
  timer: NodeJS.Timeout;
  /** A v1 sender's ack: resolve with the id, or reject with the refusal. */
  settle?: { resolve(id: string): void; reject(err: ProtocolError): void };
  /** A `held` sender: told with `chat:held`. */
  tell?: (outcome: HeldOutcome) => void;
}

export class HeldAcks {
  private readonly byHeld = new Map<string, Set<Waiter>>();
  private readonly bySocket = new Map<string, Set<Waiter>>();
  private readonly opts: HeldAcksOptions;

  constructor(options: Partial<HeldAcksOptions> = {}) {
    this.opts = { ...defaultHeldAcksOptions, ...options } satisfies HeldAcksOptions;
  }

  /** A v1 sender's ack: resolves with the stored id, rejects with the refusal (or `unavailable` after the wait). */
  wait(room: string, heldId: string, socketId: string, releaseInMs = 0): Promise<string> {
    return new Promise((resolve, reject) => {
      const waiter = this.add(room, heldId, socketId, releaseInMs, () => {
        reject(new ProtocolError(ErrorCode.Unavailable, "your message is still held for the moderators; send it again with the same clientId to learn its fate"));
      });
      waiter.settle = { resolve, reject };
    });
  }

  /** A `held` sender: `tell` gets the outcome (once), unless the wait runs out first. */
  watch(room: string, heldId: string, socketId: string, releaseInMs: number, tell: (outcome: HeldOutcome) => void): void {
    this.add(room, heldId, socketId, releaseInMs, () => undefined).tell = tell;
  }

  /** Outcomes from a `resolved` notice. */
  resolved(room: string, items: readonly QueueResolution[]): void {
    for (const item of items) {
      if (item.kind !== "held") continue;
      const waiters = this.byHeld.get(keyOf(room, item.id));
      if (!waiters) continue;
      const error = errorOf(item);
      for (const w of [...waiters]) {
        this.remove(w);
        if (w.tell) w.tell(error ? { room, heldId: item.id, error } : { room, heldId: item.id, id: item.messageId! });
        else if (error) w.settle?.reject(new ProtocolError(error.code, error.message, undefined, { reason: error.reason }));
        else w.settle?.resolve(item.messageId!);
      }
    }
  }

  /**
   * The connection left `room` (or disconnected): a v1 ack still waiting there says `unavailable`
   * (the client learns the message's fate by sending it again with its clientId).
   */
  left(room: string, socketId: string): void {
    for (const w of [...(this.bySocket.get(socketId) ?? [])]) {
      if (w.room !== room) continue;
      this.remove(w);
      w.settle?.reject(new ProtocolError(ErrorCode.Unavailable, "you left the room before your held message was shown; send it again with the same clientId to learn its fate"));
    }
  }

  /** Held messages being waited for here (for tests). */
  get size(): number {
    return this.byHeld.size;
  }

  close(): void {
    for (const waiters of [...this.byHeld.values()]) for (const w of [...waiters]) this.remove(w);
  }

  private add(room: string, heldId: string, socketId: string, releaseInMs: number, expired: () => void): Waiter {
    const key = keyOf(room, heldId);
    const waiter: Waiter = {
      key,
      room,
      socketId,
      timer: setTimeout(() => {
        this.remove(waiter);
        expired();
      }, releaseInMs + this.opts.waitMs),
    };
    waiter.timer.unref();
    const held = this.byHeld.get(key) ?? new Set();
    this.byHeld.set(key, held.add(waiter));
    const own = this.bySocket.get(socketId) ?? new Set();
    this.bySocket.set(socketId, own.add(waiter));
    return waiter;
  }

  private remove(w: Waiter): void {
    clearTimeout(w.timer);
    const held = this.byHeld.get(w.key);
    held?.delete(w);
    if (held?.size === 0) this.byHeld.delete(w.key);
    const own = this.bySocket.get(w.socketId);
    own?.delete(w);
    if (own?.size === 0) this.bySocket.delete(w.socketId);
  }
}

const keyOf = (room: string, heldId: string) => `${room}\n${heldId}`;

/** The refusal a sender gets for a held message that was not stored. */
function errorOf(item: QueueResolution): ErrorBody | undefined {
  if (item.outcome === "denied") {
    return { code: ErrorCode.Blocked, message: "a moderator removed your message before it was shown", reason: RefusalReason.Denied };
  }
  if (item.outcome === "dropped") return { code: ErrorCode.Forbidden, message: "you were banned or muted in this room before your message was shown" };
  return undefined;
}
