import type { ErrorBody } from "./common.js";
import type { ErrorCode, RefusalReason } from "./error-codes.js";

/** An error the client caused or must know about; becomes `{ ok: false, error }` at the edge. */
export class ProtocolError extends Error {
  override name = "ProtocolError";
  /** Which rule refused it (`error.reason`), when the code alone does not say. */
  readonly reason: RefusalReason | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown; reason?: RefusalReason },
  ) {
    super(message, options);
    this.reason = options?.reason;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.retryAfterMs !== undefined) body.retryAfterMs = this.retryAfterMs;
    if (this.reason !== undefined) body.reason = this.reason;
    return body;
  }
}
