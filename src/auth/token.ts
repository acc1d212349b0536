import { SignJWT, jwtVerify } from "jose";
import type { Role, TokenClaims, TokenRole, User } from "../protocol/index.js";
import { BADGE_PATTERN, MAX_BADGES, isDisplayName, isRoomId } from "../protocol/index.js";

/** A token that cannot be verified, has expired, or carries claims of the wrong shape. */
export class TokenError extends Error {
  override name = "TokenError";
}

export interface VerifiedUser {
  id: string;
  name: string;
  role: TokenRole;
  /** Rooms a streamer owns (empty for viewers). */
  rooms: string[];
  /** Rooms the token says its user moderates (claim `mod`); absent when none. */
  modRooms?: string[];
  /** Badges the site signed (claim `badges`); absent when none. */
  badges?: string[];
  /** When the user followed the stream, ms since the epoch (claim `followedAt`, in seconds); absent when not. */
  followedAt?: number;
  /** True for an anonymous viewer whose id lasts only as long as its connection (no session secret). */
  ephemeral?: true;
  /**
   * When the token expires (ms since the epoch); token users only. Streamer rights end then, on an
   * open connection too: privileged actions check it at use (no timer per connection).
   */
  expiresAt?: number;
}

/**
 * The user as other clients see it, with their role where they write (a moderator's messages say
 * `moderator`) and their badges: never the token's room lists or follow date.
 */
export function publicUser(user: VerifiedUser, role: Role = user.role): User {
  return user.badges ? { id: user.id, name: user.name, role, badges: user.badges } : { id: user.id, name: user.name, role };
}

/** Rooms one token may name as moderated (`mod`). */
const MAX_MOD_ROOMS = 100;

/** A day: longer-lived tokens (or none with `exp`) are refused, so a leaked one cannot live forever. */
export const DEFAULT_TOKEN_MAX_TTL_SEC = 86_400;

const ALG = "HS256";

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/**
 * Verifies a JWT HS256 with the server's secret and checks the claims PROTOCOL.md defines. `exp`
 * is required and may be at most `maxTtlSec` away (TOKEN_MAX_TTL_SEC).
 */
export async function verifyToken(token: string, secret: string, maxTtlSec = DEFAULT_TOKEN_MAX_TTL_SEC): Promise<VerifiedUser> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key(secret), { algorithms: [ALG] }));
  } catch (cause) {
    throw new TokenError("token verification failed", { cause });
  }
  const { sub, name, role, rooms, exp, mod, badges, followedAt } = payload;
  // jose has refused an exp in the past; a missing one, or one far away (1e300), is refused here.
  if (typeof exp !== "number") throw new TokenError("no exp");
  if (exp - Date.now() / 1000 > maxTtlSec) throw new TokenError(`exp more than ${maxTtlSec} s away`);
  if (typeof sub !== "string" || sub.length === 0 || sub.length > 128) throw new TokenError("bad sub");
  if (!isDisplayName(name)) throw new TokenError("bad name");
  if (role !== "viewer" && role !== "streamer") throw new TokenError("bad role");
  if (rooms !== undefined && !(Array.isArray(rooms) && rooms.every(isRoomId))) {
    throw new TokenError("bad rooms");
  }
  const user: VerifiedUser = { id: sub, name, role, rooms: role === "streamer" ? ((rooms as string[] | undefined) ?? []) : [], expiresAt: exp * 1000 };
  if (mod !== undefined) {
    if (!Array.isArray(mod) || mod.length > MAX_MOD_ROOMS || !mod.every(isRoomId)) throw new TokenError("bad mod");
    if (mod.length > 0) user.modRooms = mod as string[];
  }
  if (badges !== undefined) {
    if (!Array.isArray(badges) || badges.length > MAX_BADGES || !badges.every((b) => typeof b === "string" && BADGE_PATTERN.test(b))) throw new TokenError("bad badges");
    if (badges.length > 0) user.badges = [...new Set(badges as string[])];
  }
  if (followedAt !== undefined) {
    // Seconds, as exp; not in the future (a day of clock skew tolerated).
    if (typeof followedAt !== "number" || !Number.isFinite(followedAt) || followedAt < 0 || followedAt > Date.now() / 1000 + 86_400) throw new TokenError("bad followedAt");
    user.followedAt = Math.floor(followedAt * 1000);
  }
  return user;
}

export interface MintOptions extends Omit<TokenClaims, "exp"> {
  /** Lifetime in seconds. @default 43200 (12 h) */
  ttlSec?: number;
}

/** Signs a token; used by the `npm run token` command and by tests. */
export async function mintToken(claims: MintOptions, secret: string): Promise<string> {
  const { ttlSec = 43_200, sub, ...rest } = claims;
  return new SignJWT({ ...rest })
    .setProtectedHeader({ alg: ALG })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSec)
    .sign(key(secret));
}
