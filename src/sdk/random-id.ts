/** Random strings for `clientId`s and the anonymous session secret. */
import type { Clock } from "./clock.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

interface WebCrypto {
  getRandomValues<T extends Uint8Array>(array: T): T;
}

/**
 * `length` characters of `[A-Za-z0-9_-]`. Uses the runtime's Web Crypto (browsers, Node 20) when
 * there is one, since a session secret must not be guessable; else the clock's `random`.
 */
export function randomToken(length: number, random: Clock["random"]): string {
  const crypto = (globalThis as { crypto?: WebCrypto }).crypto;
  const bytes = new Uint8Array(length);
  if (crypto?.getRandomValues) crypto.getRandomValues(bytes);
  else for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  // 256 is a multiple of 64: every character is equally likely.
  let out = "";
  for (const byte of bytes) out += ALPHABET[byte % 64];
  return out;
}

/** Length of the anonymous session secret (the protocol allows 16-128). */
export const SESSION_SECRET_LENGTH = 32;
