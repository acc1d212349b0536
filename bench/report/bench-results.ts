/** The shape of `bench/results/results.json`. */
import { execFileSync } from "node:child_process";
import { cpus, release, totalmem } from "node:os";
import type { BenchOptions } from "../bench-options.js";
import type { HotRoomResult } from "../scenarios/hot-room.js";
import type { ManyRoomsResult } from "../scenarios/many-rooms.js";
import type { ServerKind } from "../servers/server-kinds.js";

export interface Machine {
  nproc: number;
  cpu: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  redis: string;
}

export interface KindRun {
  kind: ServerKind;
  masters: number;
  manyRooms?: ManyRoomsResult;
  hot?: HotRoomResult;
  /** Why this kind produced no numbers on this cluster. */
  error?: string;
}

export interface BenchResults {
  startedAt: string;
  durationSec: number;
  machine: Machine;
  options: BenchOptions;
  runs: KindRun[];
  /** The commit the `before` kind ran (from `--before DIR`). */
  beforeCommit?: string;
}

export function describeMachine(): Machine {
  const redis = execFileSync("redis-server", ["--version"]).toString();
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    redis: /v=(\S+)/.exec(redis)?.[1] ?? redis.trim(),
  };
}
