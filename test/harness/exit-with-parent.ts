/**
 * Preloaded (`--import`) into the chat replicas the harness starts: a replica whose test process
 * died without cleaning up (SIGKILL) shuts itself down instead of holding its port and Redis
 * connections. The reparented process sees its parent pid change.
 */
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, "SIGTERM");
}, 1_000).unref();
