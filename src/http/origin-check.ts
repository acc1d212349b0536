/**
 * The `Origin` check of every Socket.IO handshake and WebSocket upgrade. CORS only governs what a
 * browser lets a page read from long-polling responses; a WebSocket upgrade is not subject to it,
 * so without this any site could open a socket to the chat with its visitors' cookies and
 * addresses (cross-site WebSocket hijacking).
 *
 * Allowed: no `Origin` (non-browser clients: SDK in Node, load generators, backends), the server's
 * own origin (the `Host` the request was sent to), and the configured `CORS_ORIGINS`.
 */
import type { IncomingMessage } from "node:http";

export function originAllowed(req: IncomingMessage, allowed: readonly string[] | undefined): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowed?.includes(origin)) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  return host !== "" && host === req.headers.host;
}
