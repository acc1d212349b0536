/**
 * The `n` items with the highest score (above 0), highest first; ties keep the order they came in.
 * One pass, holding `n` items: a beat ranks every room of a replica without sorting them all.
 */
export function topN<T>(items: Iterable<T>, n: number, score: (item: T) => number): { item: T; score: number }[] {
  const best: { item: T; score: number }[] = [];
  if (n <= 0) return best;
  for (const item of items) {
    const s = score(item);
    if (!(s > 0) || (best.length === n && s <= best[n - 1]!.score)) continue;
    let i = best.length === n ? n - 1 : best.length;
    while (i > 0 && best[i - 1]!.score < s) i--;
    best.splice(i, 0, { item, score: s });
    if (best.length > n) best.pop();
  }
  return best;
}
