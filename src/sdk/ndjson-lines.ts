/**
 * Lines of an NDJSON response body as they arrive: from a WHATWG ReadableStream (browsers, Node's
 * fetch) or any async iterable of bytes. The SDK is built without DOM typings, so the shapes it
 * reads are declared here.
 */
import { ChatError } from "./chat-error.js";

interface StreamReader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  cancel(): Promise<void>;
}

export type ByteSource = { getReader(): StreamReader } | AsyncIterable<Uint8Array>;

interface Utf8Decoder {
  decode(bytes?: Uint8Array, options?: { stream: boolean }): string;
}

function decoder(): Utf8Decoder {
  const Decoder = (globalThis as { TextDecoder?: new () => Utf8Decoder }).TextDecoder;
  if (!Decoder) throw ChatError.local("closed", "no TextDecoder in this environment");
  return new Decoder();
}

async function* chunksOf(source: ByteSource): AsyncGenerator<Uint8Array> {
  if (!("getReader" in source)) {
    yield* source;
    return;
  }
  const reader = source.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      if (value) yield value;
    }
  } finally {
    // Stopped early (the consumer broke out): let the server stop streaming.
    await reader.cancel().catch(() => undefined);
  }
}

/** Each non-empty line; a body cut mid-line (the server failed after it started) rejects. */
export async function* ndjsonLines(source: ByteSource): AsyncGenerator<string> {
  const utf8 = decoder();
  let pending = "";
  try {
    for await (const chunk of chunksOf(source)) {
      pending += utf8.decode(chunk, { stream: true });
      let at: number;
      while ((at = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, at);
        pending = pending.slice(at + 1);
        if (line.trim() !== "") yield line;
      }
    }
  } catch (err) {
    throw err instanceof ChatError ? err : ChatError.local("disconnected", "the replay response was cut before its end");
  }
  pending += utf8.decode();
  if (pending.trim() !== "") throw ChatError.local("disconnected", "the replay response ended mid-line");
}
