/**
 * Chat load on the client SDK: each sender sends unique messages to its room at a typing pace, and
 * the SDK retries each one (same clientId) through reconnects and `unavailable` acks until it is
 * stored. What a site's users do while replicas come and go; the acks are the claims to check.
 */
import type { ChatViewer } from "./chat-viewer.js";

export interface SdkSendersOptions {
  /** Pause after each acked message of one sender (a connection may send 5/s). @default 400 */
  pauseMs: number;
  /** Each room stops at this many acked messages, so its whole history stays checkable (HISTORY_SIZE). @default 90 */
  maxPerRoom: number;
}

export class SdkSenders {
  /** Acked messages per room: text -> stored id. */
  readonly acked = new Map<string, Map<string, string>>();
  /** When each ack arrived (ms since the epoch), in order. */
  readonly ackTimes: number[] = [];
  private readonly opts: SdkSendersOptions;
  private stopping = false;
  private loops: Promise<void>[] = [];
  private done = 0;
  /** The first send the SDK gave up (it stops that sender's loop). */
  failure: Error | undefined;

  constructor(
    private readonly senders: { viewer: ChatViewer; room: string }[],
    options: Partial<SdkSendersOptions> = {},
  ) {
    this.opts = { pauseMs: 400, maxPerRoom: 90, ...options };
    for (const { room } of senders) this.acked.set(room, new Map());
  }

  start(): this {
    this.loops = this.senders.map(({ viewer, room }, si) =>
      this.run(viewer, room, si)
        .catch((err: Error) => void (this.failure ??= err))
        .finally(() => this.done++),
    );
    return this;
  }

  /** The senders' clients. */
  get viewers(): ChatViewer[] {
    return this.senders.map((s) => s.viewer);
  }

  get count(): number {
    return this.ackTimes.length;
  }

  /** Milliseconds from `t` to the first ack after it, or undefined. */
  firstAckAfter(t: number): number | undefined {
    const at = this.ackTimes.find((a) => a > t);
    return at === undefined ? undefined : at - t;
  }

  /** True once every sender stopped: asked to, at its room's limit, or after a failure. */
  get finished(): boolean {
    return this.done === this.loops.length;
  }

  /**
   * Stops after each sender's message in flight is settled, then sends one last message per room:
   * its `prev` names the newest entry, so a viewer that missed anything fills it now (a viewer
   * learns of a gap only from a later message, or a re-join). Rejects if the SDK gave one up.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    if (this.failure) throw this.failure;
    for (const [room, acked] of this.acked) {
      const sender = this.senders.find((s) => s.room === room)!;
      acked.set(`${room} last`, await sender.viewer.client.room(room).send(`${room} last`));
    }
  }

  private async run(viewer: ChatViewer, room: string, si: number): Promise<void> {
    const acked = this.acked.get(room)!;
    for (let i = 0; !this.stopping && acked.size < this.opts.maxPerRoom; i++) {
      const text = `${room} s${si} m${i}`;
      const id = await viewer.client.room(room).send(text);
      acked.set(text, id);
      this.ackTimes.push(Date.now());
      await new Promise((r) => setTimeout(r, this.opts.pauseMs)); // the sender's typing pace
    }
  }
}
