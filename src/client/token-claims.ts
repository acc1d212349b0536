/**
 * Reads a token's claims in the browser, only to show who the streamer is before connecting.
 * Nothing here verifies anything: the server does, and refuses a bad token with `unauthorized`.
 */
import type { TokenClaims } from "../protocol/index.js";

export function readClaims(token: string): Partial<TokenClaims> | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    const claims: unknown = JSON.parse(json);
    return typeof claims === "object" && claims !== null ? (claims as Partial<TokenClaims>) : undefined;
  } catch {
    return undefined;
  }
}
