/**
 * A room's own outgoing messages, from the moment they are submitted until the server stores them,
 * for optimistic UIs: show a message at once (pending), then as sent with its id, or as failed
 * with a Retry. Each message gets a `clientId` once, and every retry (automatic, or the user's)
 * reuses it, so the server stores it exactly once (docs/protocol.md).
 */
import { ErrorCode, type HeldOutcome, type HeldReceipt, type HeldSendResult, type MessageKind, type SendResult } from "../protocol/index.js";
import { ChatError } from "./chat-error.js";
import type { Clock, TimerHandle } from "./clock.js";
import type { AttemptResult, RetryRunner } from "./retry-runner.js";

export type OutgoingKind = MessageKind | "notice";
/**
 * `held`: the room's moderation holds it (a delay, or a review) before anyone sees it; it becomes
 * `sent` when stored, or `failed` with `blocked` when a moderator removes it.
 */
export type OutgoingState = "pending" | "held" | "sent" | "failed";

/** One own message. The SDK updates it in place; listeners get the same object each time. */
export interface Outgoing {
  readonly clientId: string;
  readonly room: string;
  readonly kind: OutgoingKind;
  readonly text: string;
  /** Local time it was submitted (the server's `ts` is not in the ack). */
  readonly ts: number;
  state: OutgoingState;
  /** The message it replies to. */
  readonly replyTo?: string;
  /** The stored id, once acked. */
  id?: string;
  /** While `held`: why, and (for a delay) when it is due. */
  held?: HeldReceipt;
  /** Why it failed, when `state` is "failed". */
  error?: ChatError;
}

export interface OutboxDeps {
  clock: Clock;
  runner: RetryRunner;
  /** Emits one attempt (the room is joined); resolves with its outcome. */
  transmit(msg: Outgoing): Promise<AttemptResult<SendResult | HeldSendResult>>;
  /**
   * How long a held message waits for its outcome (`chat:held`) before it is sent again with its
   * clientId to ask (an outcome lost with a reconnect): after a delay's due time, or for a review.
   * @default 20000
   */
  heldRecheckMs?: number;
  /** Called on every state change of a message, after the outbox's own counts are updated. */
  changed(msg: Outgoing): void;
  newClientId(): string;
}

export class Outbox {
  /** Not sent yet: pending, held or failed, in submission order. */
  private readonly unsentSet = new Set<Outgoing>();
  /** Emitted at least once and not settled (held ones too): the server may have stored them already. */
  private readonly unacked = new Set<Outgoing>();
  /** Held id -> the wait for its outcome. */
  private readonly waiting = new Map<string, (outcome: HeldOutcome | undefined) => void>();

  constructor(
    private readonly room: string,
    private readonly deps: OutboxDeps,
  ) {}

  /** Own sends that went out and wait for their ack. */
  get unackedCount(): number {
    return this.unacked.size;
  }

  /** Messages not sent yet (pending or failed), oldest first. */
  get unsent(): Outgoing[] {
    return [...this.unsentSet];
  }

  /** Queues a new message; `done` resolves with its stored id or rejects with a {@link ChatError}. */
  submit(kind: OutgoingKind, text: string, replyTo?: string): { msg: Outgoing; done: Promise<string> } {
    const msg: Outgoing = {
      clientId: this.deps.newClientId(),
      room: this.room,
      kind,
      text,
      ts: this.deps.clock.now(),
      state: "pending",
      ...(replyTo === undefined ? {} : { replyTo }),
    };
    return { msg, done: this.start(msg) };
  }

  /** The outcome of a held message (`chat:held`). */
  heldOutcome(outcome: HeldOutcome): void {
    this.waiting.get(outcome.heldId)?.(outcome);
  }

  /** Sends a failed message again, with the same clientId: at most one copy is stored. */
  retry(msg: Outgoing): Promise<string> {
    if (msg.state === "sent") return Promise.resolve(msg.id!);
    if (msg.state !== "failed" || !this.unsentSet.has(msg)) {
      return Promise.reject(new ChatError({ code: ErrorCode.BadRequest, message: "not a failed message of this room" }));
    }
    msg.state = "pending";
    delete msg.error;
    return this.start(msg);
  }

  private async start(msg: Outgoing): Promise<string> {
    this.unsentSet.add(msg);
    this.deps.changed(msg);
    const attempt = () =>
      this.deps.runner.run<SendResult | HeldSendResult>(() => {
        this.unacked.add(msg);
        return this.deps.transmit(msg);
      });
    try {
      let res = await attempt();
      // Held: wait for the outcome; ask again (same clientId) if it does not come.
      while ("held" in res) {
        msg.state = "held";
        msg.held = res.held;
        this.deps.changed(msg);
        const outcome = await this.untilSettled(res.held);
        if (!outcome) res = await attempt();
        else if (outcome.error) throw new ChatError(outcome.error);
        else res = { ok: true, id: outcome.id! };
      }
      msg.state = "sent";
      msg.id = res.id;
      delete msg.held;
      this.unsentSet.delete(msg);
      return res.id;
    } catch (err) {
      msg.state = "failed";
      delete msg.held;
      msg.error = err instanceof ChatError ? err : ChatError.local("closed", String(err));
      throw msg.error;
    } finally {
      this.unacked.delete(msg);
      this.deps.changed(msg);
    }
  }

  /** Resolves with the held message's outcome, or undefined when it is time to ask again. */
  private untilSettled(held: HeldReceipt): Promise<HeldOutcome | undefined> {
    const { clock } = this.deps;
    const patience = this.deps.heldRecheckMs ?? 20_000;
    const wait = held.releaseAt === null ? patience : Math.max(0, held.releaseAt - clock.now()) + patience / 4;
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const done = (outcome: HeldOutcome | undefined) => {
        clock.clearTimeout(timer);
        this.waiting.delete(held.id);
        resolve(outcome);
      };
      this.waiting.set(held.id, done);
      timer = clock.setTimeout(() => done(undefined), wait);
    });
  }
}
