import { createHash, randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Socket } from "socket.io";
import { Capability, UNAUTHORIZED, isDisplayName, isSessionSecret, type HandshakeAuth } from "../protocol/index.js";
import { verifyToken, type VerifiedUser } from "./token.js";

export interface HandshakeOptions {
  /** HS256 secret; without one no token verifies, and everyone is an anonymous viewer. */
  authSecret: string | undefined;
  /** Longest token lifetime accepted (TOKEN_MAX_TTL_SEC). @default 86400 */
  tokenMaxTtlSec?: number;
  logger: Logger;
}

/** Message of the `connect_error` for a malformed handshake `name`. */
export const BAD_NAME = "bad_request: name must be 1-32 characters";
/** Message of the `connect_error` for a malformed handshake `session`. */
export const BAD_SESSION = "bad_request: session must be 16-128 characters of A-Z a-z 0-9 _ -";

/** Every viewer's (empty) list of owned rooms: one array for all, never written. */
const NO_ROOMS: string[] = Object.freeze([]) as unknown as string[];

/**
 * A flat copy of an ASCII string built here. V8 keeps `a + b` and template literals as a tree of
 * concatenations (32 bytes a node) until something flattens it: `anon-${randomUUID()}` is a tree
 * of 16, half a kilobyte kept for the whole connection.
 */
function flat(ascii: string): string {
  return Buffer.from(ascii, "latin1").toString("latin1");
}

function anonymousName(): string {
  return flat(`viewer-${randomUUID().slice(0, 6)}`);
}

/**
 * Resolves who is connecting. A token must verify (else `unauthorized`); no token makes an
 * anonymous viewer with the given name or a made-up one. Only a token can make a streamer.
 */
export async function authenticate(auth: unknown, opts: HandshakeOptions): Promise<VerifiedUser> {
  const a = (typeof auth === "object" && auth !== null ? auth : {}) as HandshakeAuth;
  if (a.token !== undefined && a.token !== null && a.token !== "") {
    if (typeof a.token !== "string" || !opts.authSecret) throw new Error(UNAUTHORIZED);
    try {
      return await verifyToken(a.token, opts.authSecret, opts.tokenMaxTtlSec);
    } catch (err) {
      opts.logger.debug({ err }, "token refused");
      throw new Error(UNAUTHORIZED);
    }
  }
  if (a.name !== undefined && !isDisplayName(a.name)) throw new Error(BAD_NAME);
  const name = a.name?.trim() ?? anonymousName();
  if (a.session === undefined || a.session === null) return { id: flat(`anon-${randomUUID()}`), name, role: "viewer", rooms: NO_ROOMS, ephemeral: true };
  if (!isSessionSecret(a.session)) throw new Error(BAD_SESSION);
  // Derived, so the public id reveals nothing that would let someone else claim the session.
  return { id: flat(`anon-${createHash("sha256").update(a.session).digest("base64url").slice(0, 22)}`), name, role: "viewer", rooms: NO_ROOMS };
}

/** Whether the handshake named capability `cap` (protocol v1.1); unknown capabilities are ignored. */
export function wantsCapability(auth: unknown, cap: Capability): boolean {
  const caps = (auth as HandshakeAuth | null | undefined)?.caps;
  return Array.isArray(caps) && caps.length <= 32 && caps.includes(cap);
}

/** Whether the handshake asked for protocol v1.1 batches. */
export function wantsBatches(auth: unknown): boolean {
  return wantsCapability(auth, Capability.Batch);
}

/** Socket.IO middleware form of {@link authenticate}. */
export function handshakeMiddleware(opts: HandshakeOptions) {
  return (socket: Socket, next: (err?: Error) => void) => {
    authenticate(socket.handshake.auth, opts).then(
      (user) => {
        socket.data.user = user;
        if (wantsBatches(socket.handshake.auth)) socket.data.batch = true;
        if (wantsCapability(socket.handshake.auth, Capability.Held)) socket.data.held = true;
        next();
      },
      (err: Error) => next(err),
    );
  };
}
