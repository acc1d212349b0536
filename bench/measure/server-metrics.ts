/**
 * Counters this server exports at /metrics (Prometheus text), summed over its replicas. The
 * baselines have no /metrics: their counts are `undefined`, not zero.
 */
import type { ServerProcess } from "../servers/server-process.js";

/** The value of one counter (no labels) in a Prometheus text exposition, or undefined. */
export function counterValue(text: string, name: string): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name} `)) continue;
    const v = Number(line.slice(name.length + 1).trim());
    return Number.isFinite(v) ? v : undefined;
  }
  return undefined;
}

/** Connections the replicas closed as slow consumers so far (chat_slow_consumers_total). */
export async function slowConsumers(servers: ServerProcess[], timeoutMs = 5_000): Promise<number | undefined> {
  let total = 0;
  for (const s of servers) {
    try {
      const res = await fetch(`${s.url}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) return undefined;
      const v = counterValue(await res.text(), "chat_slow_consumers_total");
      if (v === undefined) return undefined;
      total += v;
    } catch {
      return undefined;
    }
  }
  return total;
}
