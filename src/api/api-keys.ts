import { createHash, timingSafeEqual } from "node:crypto";

/** Who called: an opaque id per configured key (its position), for rate limits and logs; never the key. */
export interface ApiCaller {
  keyId: string;
}

/**
 * The server API's keys (`API_KEYS`), kept apart from client tokens. A presented key is hashed and
 * compared with every configured key's hash, each with `timingSafeEqual` on equal-length digests
 * and without stopping at a match, so how long a check takes says nothing about how much of a key
 * was right, or which key matched.
 */
export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(
    keys: readonly string[],
    /** The comparison of two 32-byte digests; replaceable so a test can watch it. @default timingSafeEqual */
    private readonly equal: (a: Buffer, b: Buffer) => boolean = timingSafeEqual,
  ) {
    this.digests = keys.map(digest);
  }

  /** False when no key is configured: the API is off. */
  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** The caller for an `Authorization` header value (`Bearer <key>`), or null. */
  check(authorization: string | undefined): ApiCaller | null {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? "");
    const presented = digest(match?.[1] ?? "");
    let found = -1;
    for (let i = 0; i < this.digests.length; i++) {
      // Every key is compared, matched or not.
      if (this.equal(presented, this.digests[i]!) && found < 0) found = i;
    }
    return match && found >= 0 ? { keyId: `key-${found + 1}` } : null;
  }
}

function digest(key: string): Buffer {
  return createHash("sha256").update(key).digest();
}
