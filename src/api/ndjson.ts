/**
 * Streams entries as NDJSON (one JSON object a line) with backpressure: lines are gathered into
 * chunks of ~16 KB and the next chunk is only read from the source once the socket took the last
 * one (`drain`), so a slow client holds one chunk, never the whole range. A client that goes away
 * stops the read (the source's `return()` runs, the archive stops querying).
 *
 * The first entry is read before the status line is sent, so a bad range (400) or an archive that
 * is down (503) still gets its JSON error; a failure after that cannot change the status any more
 * and ends the response as failed (the connection is cut without the final chunk), never as a
 * short stream that looks complete.
 */
import { once } from "node:events";
import type { Response } from "express";

const CHUNK_BYTES = 16_384;

export async function streamNdjson<T>(res: Response, entries: AsyncIterable<T>, toLine: (entry: T) => object, headers: Record<string, string> = {}): Promise<void> {
  const it = entries[Symbol.asyncIterator]();
  let first: IteratorResult<T>;
  try {
    first = await it.next();
  } catch (err) {
    await it.return?.();
    throw err; // headers not sent: the API's error handler answers 400 or 503
  }
  res.status(200);
  res.setHeader("Content-Type", "application/x-ndjson; charset=utf-8");
  res.setHeader("Cache-Control", "no-store");
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  let closed = false;
  res.once("close", () => (closed = true));
  let chunk = "";
  const flush = async () => {
    if (chunk === "" || closed) return;
    const ok = res.write(chunk);
    chunk = "";
    if (!ok) await Promise.race([once(res, "drain"), once(res, "close")]);
  };
  try {
    for (let next = first; !next.done && !closed; next = await it.next()) {
      chunk += `${JSON.stringify(toLine(next.value))}\n`;
      if (chunk.length >= CHUNK_BYTES) await flush();
    }
    await flush();
    if (!closed) res.end();
  } catch (err) {
    res.destroy(err instanceof Error ? err : new Error(String(err)));
    throw err;
  } finally {
    if (closed) await it.return?.();
  }
}
