/**
 * Socket.IO's own packet parser (socket.io-parser, the wire is unchanged) with a Decoder that
 * costs less per connection, given to Socket.IO through its public `parser` option.
 *
 * Why: Socket.IO makes one Decoder per connection and subscribes once to its "decoded" event.
 * The stock Decoder keeps its options in an object of its own and that one listener in an event
 * table whose list is grown for 17 entries: about 190 bytes per idle viewer (`npm run bench:memory`).
 * Here every Decoder shares one options object and the listener list has its exact size.
 */
import * as parser from "socket.io-parser";

/** socket.io-parser's defaults (its constructor merges them into a new object per Decoder). */
const SHARED_OPTIONS = Object.freeze({ reviver: undefined, maxAttachments: 10 });

class LeanDecoder extends parser.Decoder {
  constructor() {
    super();
    // Read-only afterwards: the Decoder only reads `reviver` and `maxAttachments`.
    (this as unknown as { opts: unknown }).opts = SHARED_OPTIONS;
  }

  /** component-emitter's table (`_callbacks["$" + event]`), with a first list of exactly one. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override on(event: any, listener: any): this {
    const self = this as unknown as { _callbacks?: Record<string, unknown[]> };
    if (self._callbacks === undefined) {
      self._callbacks = { [`$${String(event)}`]: [listener] };
      return this;
    }
    return super.on(event, listener);
  }
}

/** For `new Server(http, { parser: leanParser })`. */
export const leanParser = { protocol: parser.protocol, PacketType: parser.PacketType, Encoder: parser.Encoder, Decoder: LeanDecoder };
