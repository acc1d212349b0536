/**
 * A room's own outgoing messages, from the moment they are submitted until the server stores them,
 * for optimistic UIs: show a message at once (pending), then as sent with its id, or as failed
 * with a Retry. Each message gets a `clientId` once, and every retry (automatic, or the user's)
 * reuses it, so the server stores it exactly once (docs/protocol.md).
 */
import { ErrorCode, type MessageKind, type SendResult } from "../protocol/index.js";
import { ChatError } from "./chat-error.js";
import type { Clock } from "./clock.js";
import type { AttemptResult, RetryRunner } from "./retry-runner.js";

export type OutgoingKind = MessageKind | "notice";
export type OutgoingState = "pending" | "sent" | "failed";

/** One own message. The SDK updates it in place; listeners get the same object each time. */
export interface Outgoing {
  readonly clientId: string;
  readonly room: string;
  readonly kind: OutgoingKind;
  readonly text: string;
  /** Local time it was submitted (the server's `ts` is not in the ack). */
  readonly ts: number;
  state: OutgoingState;
  /** The stored id, once acked. */
  id?: string;
  /** Why it failed, when `state` is "failed". */
  error?: ChatError;
}

export interface OutboxDeps {
  clock: Clock;
  runner: RetryRunner;
  /** Emits one attempt (the room is joined); resolves with its outcome. */
  transmit(msg: Outgoing): Promise<AttemptResult<SendResult>>;
  /** Called on every state change of a message, after the outbox's own counts are updated. */
  changed(msg: Outgoing): void;
  newClientId(): string;
}

export class Outbox {
  /** Not sent yet: pending or failed, in submission order. */
  private readonly unsentSet = new Set<Outgoing>();
  /** Emitted at least once and not settled: the server may have stored them already. */
  private readonly unacked = new Set<Outgoing>();

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
  submit(kind: OutgoingKind, text: string): { msg: Outgoing; done: Promise<string> } {
    const msg: Outgoing = {
      clientId: this.deps.newClientId(),
      room: this.room,
      kind,
      text,
      ts: this.deps.clock.now(),
      state: "pending",
    };
    return { msg, done: this.start(msg) };
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
    try {
      const { id } = await this.deps.runner.run<SendResult>(() => {
        this.unacked.add(msg);
        return this.deps.transmit(msg);
      });
      msg.state = "sent";
      msg.id = id;
      this.unsentSet.delete(msg);
      return id;
    } catch (err) {
      msg.state = "failed";
      msg.error = err instanceof ChatError ? err : ChatError.local("closed", String(err));
      throw msg.error;
    } finally {
      this.unacked.delete(msg);
      this.deps.changed(msg);
    }
  }
}
