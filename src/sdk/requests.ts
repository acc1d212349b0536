/**
 * Requests with an acknowledgement, on the client's clock: each resolves with the server's ack, or
 * with a local failure when no ack comes in time, when the connection drops first (socket.io-client
 * would never call its ack then), or when the client closes. Never rejects.
 */
import type { Ack, ClientToServerEvents } from "../protocol/index.js";
import { ChatError, type LocalReason } from "./chat-error.js";
import type { Clock, TimerHandle } from "./clock.js";
import type { ChatSocket } from "./socket.js";

type RequestEvent = keyof ClientToServerEvents;
export type RequestOf<E extends RequestEvent> = Parameters<ClientToServerEvents[E]>[0];
export type AckOf<E extends RequestEvent> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0];
/** An ack, or a failure that never reached the server or never came back (`error.local`). */
export type Outcome<T> = T | { ok: false; error: ChatError };
type Result<E extends RequestEvent> = Outcome<AckOf<E>>;

interface Pending {
  timer: TimerHandle;
  fail(reason: LocalReason, message: string): void;
}

export class Requests {
  private readonly pending = new Set<Pending>();

  constructor(
    private readonly socket: ChatSocket,
    private readonly clock: Clock,
  ) {}

  send<E extends RequestEvent>(event: E, payload: RequestOf<E>, timeoutMs: number): Promise<Result<E>> {
    return new Promise((resolve) => {
      if (!this.socket.connected) {
        resolve({ ok: false, error: ChatError.local("disconnected", "not connected") });
        return;
      }
      let done = false;
      const finish = (res: Result<E>) => {
        if (done) return; // a late ack after a timeout or a disconnect is ignored
        done = true;
        this.clock.clearTimeout(entry.timer);
        this.pending.delete(entry);
        resolve(res);
      };
      const entry: Pending = {
        timer: this.clock.setTimeout(() => finish({ ok: false, error: ChatError.local("timeout", `no answer to ${event} in ${timeoutMs} ms`) }), timeoutMs),
        fail: (reason, message) => finish({ ok: false, error: ChatError.local(reason, message) }),
      };
      this.pending.add(entry);
      const ack = (res: Ack<object>) => finish(res as Result<E>);
      // The socket's typed emit cannot follow a generic event name; RequestOf/AckOf keep it typed.
      (this.socket.emit as (ev: E, req: RequestOf<E>, ack: (res: Ack<object>) => void) => void)(event, payload, ack);
    });
  }

  /** Fails everything in flight, e.g. when the connection drops. */
  failAll(reason: LocalReason, message: string): void {
    for (const entry of [...this.pending]) entry.fail(reason, message);
  }
}
