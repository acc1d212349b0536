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

/**
 * Socket.IO packets a client of this server never has a reason to send, as the first character of
 * a text packet: ACK and BINARY_ACK (the server never asks a client for an ack; lean-connections.ts
 * shares one empty acks map) and CONNECT_ERROR (server to client only). Ignored by Socket.IO, they
 * were a free lane around every rate limit (issue #11): one such packet closes the connection,
 * like any malformed packet.
 */
const NEVER_FROM_CLIENTS = new Set([String(parser.PacketType.ACK), String(parser.PacketType.BINARY_ACK), String(parser.PacketType.CONNECT_ERROR)]);
const BINARY_EVENT = String(parser.PacketType.BINARY_EVENT);

/** The namespace a text packet names ("/" when it names none), as socket.io-parser reads it. */
function namespaceOf(packet: string): string {
  let at = 1;
  // BINARY_EVENT: "5<attachments>-" comes first.
  if (packet.charAt(0) === BINARY_EVENT) at = packet.indexOf("-") + 1;
  if (packet.charAt(at) !== "/") return "/";
  const end = packet.indexOf(",", at);
  return end < 0 ? packet.slice(at) : packet.slice(at, end);
}

class LeanDecoder extends parser.Decoder {
  constructor() {
    super();
    // Read-only afterwards: the Decoder only reads `reviver` and `maxAttachments`.
    (this as unknown as { opts: unknown }).opts = SHARED_OPTIONS;
  }

  /**
   * Refuses (throws: Socket.IO closes the connection) what no client of this server sends: the
   * packet types above, and any packet for a namespace other than the main one, which this server
   * does not have (a CONNECT there was answered with a CONNECT_ERROR, an event there was dropped;
   * neither was charged to any bucket).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override add(obj: any): void {
    if (typeof obj === "string") {
      const type = obj.charAt(0);
      if (NEVER_FROM_CLIENTS.has(type)) throw new Error(`packet type ${type} is not accepted from clients`);
      if (namespaceOf(obj) !== "/") throw new Error("only the main namespace exists");
    }
    super.add(obj);
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
