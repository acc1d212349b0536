/**
 * Packets encoded once and written to many connections, as Socket.IO's own adapter broadcast does:
 * `adapter._encode` builds the packet and its pre-framed WebSocket frame once, and
 * `client.writeToEngine` queues it on one connection. For deliveries a broadcast cannot make,
 * where members get different packets (src/delivery/local-delivery.ts). Outgoing-packet listeners
 * (`socket.onAnyOutgoing`) are not called: nothing here uses them.
 *
 * socket.io 4.8.4 / socket.io-adapter 2.5.8 internals (pinned), checked by internals.test.ts.
 */
import type { Namespace } from "socket.io";

/** An encoded packet and the options Socket.IO's broadcast passes with it. */
export interface EncodedPacket {
  packets: unknown[];
  opts: { preEncoded: true; wsPreEncodedFrame?: unknown };
}

/** socket.io-adapter internals used to encode once for many connections. */
interface EncodingAdapter {
  _encode(packet: { type: number; data: unknown[]; nsp: string }, opts: EncodedPacket["opts"]): unknown[];
}

/** socket.io internals used to queue a pre-encoded packet on one connection. */
interface WritableClient {
  writeToEngine(packets: unknown[], opts: EncodedPacket["opts"]): void;
}

/** Socket.IO's EVENT packet type. */
const EVENT = 2;

/** `event` with `payload`, encoded once for any number of `nsp`'s connections. */
export function encodeEvent(nsp: Pick<Namespace, "name" | "adapter">, event: string, payload: unknown): EncodedPacket {
  const opts: EncodedPacket["opts"] = { preEncoded: true };
  const adapter = nsp.adapter as unknown as EncodingAdapter;
  return { packets: adapter._encode({ type: EVENT, data: [event, payload], nsp: nsp.name }, opts), opts };
}

/** Queues `packet` on one socket's connection (Socket.IO's `socket.client`). */
export function writeEncoded(client: unknown, packet: EncodedPacket): void {
  (client as WritableClient).writeToEngine(packet.packets, packet.opts);
}
