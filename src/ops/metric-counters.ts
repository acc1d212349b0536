import type { ChatMetrics } from "../observability/metrics.js";
import type { CounterTotals } from "./replica-sampler.js";

/**
 * The heartbeat's counters, read from the Prometheus metrics the server keeps anyway (summed over
 * their labels); zeros when the server runs without metrics.
 */
export async function counterTotals(metrics: ChatMetrics | undefined): Promise<CounterTotals> {
  if (!metrics) return { deliveries: 0, slowConsumers: 0, refused: 0, degraded: 0 };
  const [deliveries, slow, shortfalls] = await Promise.all([metrics.deliveries.get(), metrics.slowConsumers.get(), metrics.replicationShortfalls.get()]);
  const sum = (values: { value: number }[]) => values.reduce((n, v) => n + v.value, 0);
  const outcome = (name: string) => sum(shortfalls.values.filter((v) => v.labels.outcome === name));
  return { deliveries: sum(deliveries.values), slowConsumers: sum(slow.values), refused: outcome("refused"), degraded: outcome("degraded") };
}
