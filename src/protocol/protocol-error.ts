import type { ErrorCode } from "./error-codes.js";
import type { ErrorBody } from "./events.js";

/** An error the client caused or must know about; becomes `{ ok: false, error }` at the edge. */
export class ProtocolError extends Error {
  override name = "ProtocolError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toBody(): ErrorBody {
    return this.retryAfterMs === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, retryAfterMs: this.retryAfterMs };
  }
}
