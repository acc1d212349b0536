/**
 * A room's own outgoing messages, shown at once (the server does not echo them) and kept until
 * acked. Each has a clientId made once, so sending it again after a lost ack or an error ack is a
 * retry the server stores at most once (PROTOCOL.md, exactly once).
 */
import type { Ack, ErrorBody, MessageKind, SendResult } from "../protocol/index.js";

export type OutgoingKind = MessageKind | "notice";

export interface Outgoing {
  clientId: string;
  room: string;
  kind: OutgoingKind;
  text: string;
  /** Local time it was typed, until the server's id says where it goes. */
  ts: number;
  state: "pending" | "sent" | "failed";
  /** Set once acked. */
  id?: string;
  error?: ErrorBody;
}

export interface OutboxDeps {
  room: string;
  /** Sends one message; resolves with its ack (or a local failure). */
  send(msg: Outgoing): Promise<Ack<SendResult>>;
  /** Whether a send can go out now; when not, messages wait for {@link Outbox.flush}. */
  ready(): boolean;
  /** Called on every state change of a message. */
  changed(msg: Outgoing): void;
  newClientId(): string;
  now(): number;
}

export class Outbox {
  private readonly waiting: Outgoing[] = [];
  private readonly inFlight = new Set<string>();

  constructor(private readonly deps: OutboxDeps) {}

  /** Queues a new message and sends it when the room is ready. */
  submit(kind: OutgoingKind, text: string): Outgoing {
    const msg: Outgoing = {
      clientId: this.deps.newClientId(),
      room: this.deps.room,
      kind,
      text,
      ts: this.deps.now(),
      state: "pending",
    };
    this.waiting.push(msg);
    this.deps.changed(msg);
    this.flush();
    return msg;
  }

  /** The user's retry of a failed message: same clientId, so at most one copy is stored. */
  retry(msg: Outgoing): void {
    if (msg.state !== "failed") return;
    msg.state = "pending";
    delete msg.error;
    this.waiting.push(msg);
    this.deps.changed(msg);
    this.flush();
  }

  /** Sends everything waiting, in order; call when the room is (re-)joined. */
  flush(): void {
    if (!this.deps.ready()) return;
    for (const msg of this.waiting.splice(0)) void this.attempt(msg);
  }

  private async attempt(msg: Outgoing): Promise<void> {
    if (this.inFlight.has(msg.clientId)) return;
    this.inFlight.add(msg.clientId);
    const ack = await this.deps.send(msg);
    this.inFlight.delete(msg.clientId);
    if (ack.ok) {
      msg.state = "sent";
      msg.id = ack.id;
    } else if (!this.deps.ready()) {
      // Lost with the connection: it goes again after the re-join, without bothering the user.
      this.waiting.push(msg);
      return;
    } else {
      msg.state = "failed";
      msg.error = ack.error;
    }
    this.deps.changed(msg);
  }
}
