/**
 * Traffic for the fault tests: senders that keep sending unique messages and retry each one with
 * the same clientId until it is acked (what a real client does after `unavailable` or a timeout),
 * and the checks every fault test ends with.
 */
import { expect } from "vitest";
import { sendChat, uniqueId, type ChatClient } from "./clients.js";
import { readRoomHistory, type HistoryEntry } from "./room-history.js";

export interface SendLoopOptions {
  /** Pause between two messages of one sender. @default 100 */
  pauseMs: number;
  /** Pause before retrying a message that was not acked. @default 200 */
  retryMs: number;
  /** A message not acked after this long fails the loop. @default 40000 */
  giveUpMs: number;
}

export class SendLoop {
  /** Acked messages: text -> id. */
  readonly acked = new Map<string, string>();
  /** When each ack arrived (ms since the epoch), in order. */
  readonly ackTimes: number[] = [];
  /** Sends that failed (not acked) and were retried. */
  failures = 0;
  private stopping = false;
  private loops: Promise<void>[] = [];
  private readonly opts: SendLoopOptions;

  constructor(
    private readonly senders: ChatClient[],
    private readonly room: string,
    options: Partial<SendLoopOptions> = {},
  ) {
    this.opts = { pauseMs: 100, retryMs: 200, giveUpMs: 40_000, ...options };
  }

  start(): this {
    this.loops = this.senders.map((s, si) => this.run(s, si));
    return this;
  }

  /** Stops after each sender's message in flight is acked; rejects if a message was given up. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
  }

  /** Milliseconds from `t` to the first ack after it, or undefined. */
  firstAckAfter(t: number): number | undefined {
    const at = this.ackTimes.find((a) => a > t);
    return at === undefined ? undefined : at - t;
  }

  private async run(sender: ChatClient, si: number): Promise<void> {
    for (let i = 0; !this.stopping; i++) {
      const text = `s${si} m${i}`;
      const clientId = uniqueId("loop");
      const giveUp = Date.now() + this.opts.giveUpMs;
      for (;;) {
        const ack = await sendChat(sender, this.room, text, { clientId }).catch(() => null);
        if (ack?.ok) {
          this.acked.set(text, ack.id);
          this.ackTimes.push(Date.now());
          break;
        }
        this.failures++;
        if (Date.now() > giveUp) throw new Error(`"${text}" not acked within ${this.opts.giveUpMs} ms of retrying`);
        await new Promise((r) => setTimeout(r, this.opts.retryMs)); // a client's retry backoff
      }
      await new Promise((r) => setTimeout(r, this.opts.pauseMs)); // the sender's typing pace
    }
  }
}

/** Every acked message is in the room's history under its acked id, and nothing is stored twice. */
export async function expectStoredExactlyOnce(seeds: string, room: string, acked: Map<string, string>): Promise<HistoryEntry[]> {
  return expectInHistoryExactlyOnce(await readRoomHistory(seeds, room), acked);
}

/** Every acked message (text -> id) is in `history` under its acked id, and nothing is in it twice. */
export function expectInHistoryExactlyOnce(history: HistoryEntry[], acked: Map<string, string>): HistoryEntry[] {
  const stored = new Map(history.map((e) => [e.id, e.text]));
  const lost = [...acked].filter(([text, id]) => stored.get(id) !== text).map(([text]) => text);
  expect(lost, "acked messages missing from history").toEqual([]);
  const texts = history.map((e) => e.text);
  const twice = texts.filter((t, i) => texts.indexOf(t) !== i);
  expect(twice, "messages stored twice").toEqual([]);
  return history;
}
