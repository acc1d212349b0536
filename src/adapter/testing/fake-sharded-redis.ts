/**
 * A sharded subscriber and publisher for unit tests, with node-redis 6.3.1's client-side
 * bookkeeping kept apart from the server's truth, and replies that come back `delayMs` later, in
 * order, as on one connection. The bookkeeping is node-redis's listener map: an SSUBSCRIBE of a
 * channel the map still has is answered from the map (no command), and an SUNSUBSCRIBE without a
 * listener drops the channel from the map only when its reply arrives. That is the race of issue
 * #24 (docs/notes/node-redis-sunsubscribe-race.md); src/adapter/redis-sunsubscribe-race.test.ts
 * checks the real client still behaves like this.
 */
type Listener = (message: Buffer, channel: Buffer) => void;

export interface FakeShardedRedisOptions {
  /** Round trip of every command, and of a published message to the subscriber. @default 5 */
  delayMs: number;
}

export class FakeShardedRedis {
  /** Channels the server has subscribed the subscriber connection to: the truth. */
  readonly server = new Set<string>();
  /** node-redis's listener map: what the client believes it is subscribed to. */
  readonly listeners = new Map<string, Set<Listener>>();
  /** Commands that reached the server, in order (`SSUBSCRIBE ch`, `SUNSUBSCRIBE ch`, `SPUBLISH ch`). */
  readonly sent: string[] = [];
  /** Other replicas' subscriptions per channel (for PUBSUB counts). */
  readonly others = new Map<string, number>();
  /** Makes the server refuse a command with this error (e.g. CLUSTERDOWN). */
  refuse: ((op: "subscribe" | "unsubscribe", channel: string) => Error | undefined) | undefined;
  private readonly delayMs: number;

  constructor(options: Partial<FakeShardedRedisOptions> = {}) {
    this.delayMs = options.delayMs ?? 5;
  }

  readonly sub = {
    sSubscribe: (channel: string, listener: Listener, _buffers?: true): Promise<void> => {
      const known = this.listeners.get(channel);
      if (known) {
        known.add(listener);
        return Promise.resolve();
      }
      this.sent.push(`SSUBSCRIBE ${channel}`);
      const refused = this.refuse?.("subscribe", channel);
      if (!refused) this.server.add(channel);
      return this.later(() => {
        if (refused) throw refused;
        this.listeners.set(channel, new Set([...(this.listeners.get(channel) ?? []), listener]));
      });
    },
    sUnsubscribe: (channel: string): Promise<void> => {
      this.sent.push(`SUNSUBSCRIBE ${channel}`);
      const refused = this.refuse?.("unsubscribe", channel);
      if (!refused) this.server.delete(channel);
      return this.later(() => {
        if (refused) throw refused;
        this.listeners.delete(channel);
      });
    },
  };

  readonly pub = {
    sPublish: (channel: string, message: string): Promise<number> => {
      this.sent.push(`SPUBLISH ${channel}`);
      if (this.server.has(channel)) {
        // Delivered on the subscriber connection after the replies already on their way.
        void this.later(() => {
          for (const listener of this.listeners.get(channel) ?? []) listener(Buffer.from(message), Buffer.from(channel));
        });
      }
      return Promise.resolve(this.server.has(channel) ? 1 : 0);
    },
  };

  /** The server drops a subscription without the client knowing (a slot migration's SUNSUBSCRIBE it swallowed). */
  lose(channel: string): void {
    this.server.delete(channel);
  }

  /** The server holds a subscription the client forgot (the reverse drift). */
  strand(channel: string): void {
    this.server.add(channel);
  }

  /** A master for the watchdog: CLIENT LIST (the subscriber named `name`), PUBSUB SHARDNUMSUB and SHARDCHANNELS. */
  node(name: string, address = "fake:1"): { address: string; send(args: string[]): Promise<unknown> } {
    return {
      address,
      send: async (args: string[]) => {
        const [cmd, sub, ...rest] = args;
        if (cmd === "CLIENT" && sub === "LIST") return `id=7 addr=127.0.0.1:1 name=${name} flags=P sub=0 psub=0 ssub=${this.server.size} multi=-1\nid=8 addr=127.0.0.1:2 name= flags=N sub=0 psub=0 ssub=0 multi=-1\n`;
        if (cmd === "PUBSUB" && sub === "SHARDNUMSUB") return rest.flatMap((c) => [c, (this.server.has(c) ? 1 : 0) + (this.others.get(c) ?? 0)]);
        if (cmd === "PUBSUB" && sub === "SHARDCHANNELS") {
          const all = new Set([...this.server, ...[...this.others].filter(([, n]) => n > 0).map(([c]) => c)]);
          const prefix = rest[0]!.replace(/\*$/, "");
          return [...all].filter((c) => c.startsWith(prefix));
        }
        throw new Error(`fake node: ${args.join(" ")}`);
      },
    };
  }

  private later(apply: () => void): Promise<void> {
    // Timers of one duration fire in the order they were set: replies keep the connection's order.
    return new Promise((resolve, reject) => {
      setTimeout(() => {
        try {
          apply();
          resolve();
        } catch (err) {
          reject(err);
        }
      }, this.delayMs);
    });
  }
}
