/**
 * permessage-deflate (RFC 7692) without a compressor per connection: the server answers every
 * acceptable offer with `server_no_context_takeover; client_no_context_takeover`, so each message
 * either way is a deflate stream of its own. The server can then compress a room's frame once and
 * write the same bytes to every viewer that accepted (shared-frame.ts), and inflate what a client
 * sends with a one-shot call: no zlib stream (about 64 KB of window each) is kept per viewer.
 *
 * A server may add `client_no_context_takeover` to its answer even when the client did not offer
 * it (RFC 7692 section 7.1.1.1); browsers offer `permessage-deflate; client_max_window_bits`.
 * An offer that asks for a smaller server window (`server_max_window_bits` below 15) is declined
 * (the connection goes on uncompressed); the next offer in the header may still be taken.
 */
import { constants, deflateRawSync, inflateRawSync } from "node:zlib";

/** The answer to an accepted offer. */
export const DEFLATE_RESPONSE = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/**
 * Whether `header` (Sec-WebSocket-Extensions) holds a permessage-deflate offer this server accepts
 * with {@link DEFLATE_RESPONSE}. A malformed offer is declined, not refused.
 */
export function acceptsDeflate(header: string | undefined): boolean {
  if (!header) return false;
  for (const offer of header.split(",")) {
    const [name, ...params] = offer.split(";").map((s) => s.trim());
    if (name !== "permessage-deflate") continue;
    if (params.every(acceptableParam)) return true;
  }
  return false;
}

function acceptableParam(param: string): boolean {
  if (param === "") return true;
  const [key, raw] = param.split("=").map((s) => s.trim());
  const value = raw?.replace(/^"(.*)"$/, "$1");
  switch (key) {
    case "server_no_context_takeover":
    case "client_no_context_takeover":
      return value === undefined;
    case "client_max_window_bits":
      // We answer with client_no_context_takeover and no window size: any value is fine.
      return value === undefined || /^(8|9|1[0-5])$/.test(value);
    case "server_max_window_bits":
      return value === "15";
    default:
      return false;
  }
}

/** One message compressed on its own, its trailing 00 00 ff ff removed (RFC 7692 section 7.2.1). */
export function deflateMessage(payload: Buffer): Buffer {
  const z = deflateRawSync(payload, { finishFlush: constants.Z_SYNC_FLUSH });
  return z.subarray(0, z.length - TAIL.length);
}

/**
 * One compressed message from a client; throws a RangeError when it would inflate beyond
 * `maxBytes` (0: no limit) and zlib's error when it is not valid deflate data.
 */
export function inflateMessage(data: Buffer, maxBytes: number): Buffer {
  const input = Buffer.concat([data, TAIL]);
  return inflateRawSync(input, {
    finishFlush: constants.Z_SYNC_FLUSH,
    ...(maxBytes > 0 ? { maxOutputLength: maxBytes } : {}),
  });
}
