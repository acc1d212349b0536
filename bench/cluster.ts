// INTERIM until test/harness lands: a Redis Cluster for the bench. Replaced by the harness.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface BenchCluster {
  ports: number[];
  seeds: string;
  stop(): Promise<void>;
}

export async function startBenchCluster(masters: number, replicasPerMaster: number): Promise<BenchCluster> {
  const n = masters * (1 + replicasPerMaster);
  const base = 21_000 + Math.floor(Math.random() * 2_000) * 10;
  const dir = mkdtempSync(join(tmpdir(), "bench-cluster-"));
  const ports = Array.from({ length: n }, (_, i) => base + i);
  const procs: ChildProcess[] = ports.map((p) =>
    spawn("redis-server", ["--port", String(p), "--cluster-enabled", "yes", "--cluster-config-file", join(dir, `n${p}.conf`), "--save", "", "--appendonly", "no", "--dir", dir, "--bind", "127.0.0.1"], { stdio: "ignore" }),
  );
  const stop = async () => {
    for (const p of procs) p.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise((r) => setTimeout(r, 500));
    execFileSync("redis-cli", ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", String(replicasPerMaster), "--cluster-yes"], { stdio: "ignore" });
    for (let i = 0; i < 150; i++) {
      const ok = ports.every((p) => execFileSync("redis-cli", ["-p", String(p), "cluster", "info"]).toString().includes("cluster_state:ok"));
      if (ok) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { ports, seeds: ports.slice(0, 3).map((p) => `127.0.0.1:${p}`).join(","), stop };
}
