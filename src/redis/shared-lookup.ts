/**
 * A DNS `lookup` for the Redis sockets that shares one in-flight lookup per name.
 *
 * Why: Node's `dns.lookup` runs getaddrinfo on libuv's thread pool (4 threads by default). When a
 * Redis node dies, every client connected to it reconnects every couple of seconds, and each
 * attempt looks the node's name up again. A name that no longer resolves can take long to fail:
 * Docker's DNS answers for a stopped container only after its upstream resolver gives up (10-20 s
 * where that resolver is unreachable). Each of those lookups holds a thread well past the connect
 * timeout that abandoned it, the pool fills, and the connection to the replica that took over
 * waits behind them: the shard stayed unavailable for as long as the node was dead (found by the
 * compose test's `docker kill`). Sharing one lookup per name bounds a dead name to one thread.
 */
import { lookup as dnsLookup } from "node:dns";
import type { LookupFunction } from "node:net";

/** Wraps `lookup` (default: `dns.lookup`) so that concurrent lookups of one name share one call. */
export function sharedLookup(lookup: LookupFunction = dnsLookup as LookupFunction): LookupFunction {
  const inflight = new Map<string, Parameters<LookupFunction>[2][]>();
  return (hostname, options, callback) => {
    // Options change the answer's shape (all) or content (family, hints): only equal ones share.
    const key = JSON.stringify([hostname, options.family ?? 0, options.hints ?? 0, options.all === true, options.order ?? null]);
    const waiting = inflight.get(key);
    if (waiting) {
      waiting.push(callback);
      return;
    }
    const callbacks = [callback];
    inflight.set(key, callbacks);
    lookup(hostname, options, (err, address, family) => {
      inflight.delete(key);
      for (const cb of callbacks) cb(err, address, family);
    });
  };
}
