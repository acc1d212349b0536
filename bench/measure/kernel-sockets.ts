/**
 * The kernel's side of many connections, from /proc and `ss`: socket buffer memory and the TCP
 * socket objects themselves. Load and server run on one machine here, so the system-wide numbers
 * (sockstat, slab) count both ends of every connection; `serverSockets` counts the server's end only.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);
const PAGE = 4096;

export interface KernelSample {
  /** /proc/net/sockstat TCP "mem": pages charged to TCP buffers, system-wide, in bytes. */
  tcpBufferBytes: number;
  /** TCP sockets allocated, system-wide (sockstat "alloc"). */
  tcpSockets: number;
  /** /proc/slabinfo "TCP" cache (struct tcp_sock), system-wide, in bytes; undefined if unreadable. */
  tcpSlabBytes: number | undefined;
  /**
   * Every slab cache an open TCP socket takes an object from ({@link SOCKET_SLABS}: the socket,
   * its inode, file, dentry and epoll entries), system-wide, in bytes; undefined if unreadable.
   */
  socketSlabBytes: number | undefined;
}

/** Slab caches holding one object per open, epoll-watched TCP socket (Linux 6.x names). */
export const SOCKET_SLABS = ["TCP", "sock_inode_cache", "filp", "dentry", "eventpoll_epi", "eventpoll_pwq"];

export interface ServerSockets {
  /** Established TCP connections whose local port is the server's. */
  established: number;
  /** Buffer memory charged to them (`ss -m` skmem: r + f + w + o + bl), bytes. */
  bufferBytes: number;
}

export async function sampleKernel(): Promise<KernelSample> {
  const sockstat = await readFile("/proc/net/sockstat", "utf8");
  const tcp = /^TCP: .*\balloc (\d+) .*\bmem (\d+)/m.exec(sockstat);
  let slabs: Map<string, number> | undefined;
  try {
    slabs = new Map();
    // name active_objs num_objs objsize ...
    for (const m of (await readFile("/proc/slabinfo", "utf8")).matchAll(/^(\S+)\s+(\d+)\s+\d+\s+(\d+)/gm)) {
      slabs.set(m[1]!, Number(m[2]) * Number(m[3]));
    }
  } catch {
    // /proc/slabinfo is root-only on most systems.
    slabs = undefined;
  }
  return {
    tcpSockets: Number(tcp?.[1] ?? 0),
    tcpBufferBytes: Number(tcp?.[2] ?? 0) * PAGE,
    tcpSlabBytes: slabs?.get("TCP"),
    socketSlabBytes: slabs && SOCKET_SLABS.reduce((sum, name) => sum + (slabs.get(name) ?? 0), 0),
  };
}

/** The server's end of its connections, from `ss -tmn`. */
export async function serverSockets(port: number): Promise<ServerSockets> {
  const { stdout } = await run("ss", ["-tmnH", "state", "established", `( sport = :${port} )`], { maxBuffer: 256 * 1024 * 1024 });
  let established = 0;
  let bufferBytes = 0;
  for (const m of stdout.matchAll(/skmem:\(([^)]*)\)/g)) {
    established++;
    const f = Object.fromEntries(m[1]!.split(",").map((kv) => [kv.replace(/\d+$/, ""), Number(/\d+$/.exec(kv)?.[0] ?? 0)]));
    bufferBytes += (f.r ?? 0) + (f.f ?? 0) + (f.w ?? 0) + (f.o ?? 0) + (f.bl ?? 0);
  }
  return { established, bufferBytes };
}
