/** Heap growth between two V8 heap snapshots, by object name: what each added viewer costs. */
import { readFileSync } from "node:fs";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size and count per "type:name" (constructor name for objects). */
export function sizesByName(path: string): Map<string, { size: number; count: number }> {
  const snap = JSON.parse(readFileSync(path, "utf8")) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const iType = fields.indexOf("type");
  const iName = fields.indexOf("name");
  const iSize = fields.indexOf("self_size");
  const out = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]!]!;
    const name = type === "object" || type === "closure" || type === "native" ? snap.strings[snap.nodes[i + iName]!]! : "";
    const key = `${type}:${name.slice(0, 60)}`;
    const e = out.get(key) ?? { size: 0, count: 0 };
    e.size += snap.nodes[i + iSize]!;
    e.count++;
    out.set(key, e);
  }
  return out;
}

/** The `top` names that grew most between `a` and `b`, per added unit (viewer). */
export function growth(a: string, b: string, units: number, top = 25): { name: string; bytes: number; count: number }[] {
  const before = sizesByName(a);
  const after = sizesByName(b);
  return [...after]
    .map(([name, e]) => {
      const was = before.get(name) ?? { size: 0, count: 0 };
      return { name, bytes: (e.size - was.size) / units, count: (e.count - was.count) / units };
    })
    .sort((x, y) => y.bytes - x.bytes)
    .slice(0, top);
}
