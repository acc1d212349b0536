/**
 * The compose test's view of one running docker-compose.yml: the load balancer's ports published
 * on 127.0.0.1 (all the test's chat traffic goes there), and what an operator reads with docker
 * commands: the replicas, HAProxy's log and stats, the Redis Cluster's topology and a room's stored
 * history (redis-cli inside a Redis container, on the compose network).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hashSlot } from "../../src/redis/hash-slot.js";
import { roomChannel } from "../../src/store/redis/room-channel.js";
import { ComposeProject, REPO_ROOT, type ComposeContainer } from "../harness/compose-project.js";
import type { DockerAccess } from "../harness/docker-engine.js";
import { freePort } from "../harness/free-port.js";
import { parseLbRequests, readLbServers, waitForLbServersUp, type LbRequest, type LbServerState } from "../harness/load-balancer.js";
import { parseClusterNodes, type ClusterNodeState } from "../harness/redis-cli.js";
import { historyEntry, roomHistoryKey, type HistoryEntry } from "../support/room-history.js";

export interface Deployment {
  project: ComposeProject;
  /** http://127.0.0.1:<LB_PORT>: where clients connect. */
  url: string;
  statsUrl: string;
  authSecret: string;
}

/** A compose project with fresh secrets and the load balancer on free 127.0.0.1 ports (not started). */
export async function newDeployment(access: DockerAccess): Promise<Deployment> {
  const lbPort = await freePort();
  const statsPort = await freePort();
  const authSecret = `compose-test-${randomBytes(12).toString("hex")}`;
  const project = new ComposeProject(access, {
    // compose names containers, networks and volumes after it: unique per run.
    name: `livechat${process.pid}${randomBytes(3).toString("hex")}`,
    env: {
      AUTH_SECRET: authSecret,
      REDIS_PASSWORD: randomBytes(16).toString("hex"),
      POSTGRES_PASSWORD: randomBytes(16).toString("hex"),
      LB_PORT: `127.0.0.1:${lbPort}`,
      LB_STATS_PORT: String(statsPort),
      // The engine has no default bridge network (dockerd --bridge=none): the build's RUN steps
      // (npm ci) use the host's network.
      CHAT_BUILD_NETWORK: "host",
    },
  });
  return { project, url: `http://127.0.0.1:${lbPort}`, statsUrl: `http://127.0.0.1:${statsPort}/stats`, authSecret };
}

export function lbServers(d: Deployment): Promise<LbServerState[]> {
  return readLbServers(d.statsUrl);
}

/** Waits until exactly `count` replicas are UP in the load balancer; returns them. */
export function waitForReplicasUp(d: Deployment, count: number, timeoutMs = 60_000): Promise<LbServerState[]> {
  return waitForLbServersUp(d.statsUrl, count, timeoutMs);
}

/** Requests HAProxy logged so far (the lb container's output). */
export async function lbRequests(d: Deployment): Promise<LbRequest[]> {
  return parseLbRequests(await d.project.logs((await d.project.container("lb")).name));
}

/** `docker-compose up -d --scale chat=<n>` with the image already built, running containers kept. */
export async function scaleChat(d: Deployment, replicas: number): Promise<void> {
  await d.project.mustCompose(["up", "--detach", "--no-build", "--no-recreate", "--scale", `chat=${replicas}`]);
}

/** A running Redis node's container, to run redis-cli in. */
async function someRedisNode(d: Deployment, except?: string): Promise<ComposeContainer> {
  const nodes = (await d.project.containers()).filter((c) => /^redis-\d+$/.test(c.service) && c.running && c.name !== except);
  if (!nodes[0]) throw new Error("no Redis node running");
  return nodes[0];
}

/** CLUSTER NODES as a running node sees it (nodes announce their service names as hostnames). */
export async function clusterNodes(d: Deployment, except?: string): Promise<ClusterNodeState[]> {
  return parseClusterNodes(await d.project.exec((await someRedisNode(d, except)).name, ["redis-cli", "cluster", "nodes"]));
}

/** The container of the Redis master that owns `room` now. */
export async function masterOfRoom(d: Deployment, room: string): Promise<ComposeContainer> {
  const slot = hashSlot(roomChannel(room));
  const master = (await clusterNodes(d)).find((n) => n.role === "master" && !n.failing && n.slots.some(([a, b]) => slot >= a && slot <= b));
  if (!master?.hostname) throw new Error(`no master with a hostname for slot ${slot}`);
  return d.project.container(master.hostname);
}

/** The room's whole stored history, read inside the compose network with redis-cli (XRANGE). */
export async function readStoredHistory(d: Deployment, room: string, except?: string): Promise<HistoryEntry[]> {
  const node = await someRedisNode(d, except);
  const out = await d.project.exec(node.name, ["redis-cli", "-c", "--json", "XRANGE", roomHistoryKey(room), "-", "+"]);
  const entries = JSON.parse(out.trim() || "[]") as [string, string[]][];
  return entries.map(([id, flat]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
    return historyEntry(id, fields);
  });
}

/** Writes every container's output to test-output/compose/<project>.log, for a failed run's reader. */
export async function saveLogs(d: Deployment): Promise<string> {
  const dir = join(REPO_ROOT, "test-output", "compose");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${d.project.name}.log`);
  const res = await d.project.compose(["logs", "--no-color", "--timestamps"], 60_000);
  writeFileSync(file, res.stdout + res.stderr);
  return file;
}
