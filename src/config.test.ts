import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";
import { redactRedisUrl } from "./redis/redis-config.js";

describe("loadConfig", () => {
  it("has defaults that run the embedded server", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, historySize: 100, messageMaxLength: 500, logLevel: "info", redis: undefined });
  });

  it("names the cluster for the cluster view: chat unless CLUSTER_NAME says otherwise", () => {
    expect(loadConfig({}).clusterName).toBe("chat");
    expect(loadConfig({ CLUSTER_NAME: " prod-eu_1 " }).clusterName).toBe("prod-eu_1");
  });

  it.each([
    ["PORT", { PORT: "http" }],
    ["PORT", { PORT: "70000" }],
    ["HISTORY_SIZE", { HISTORY_SIZE: "0" }],
    ["MESSAGE_MAX_LENGTH", { MESSAGE_MAX_LENGTH: "-5" }],
    ["LOG_LEVEL", { LOG_LEVEL: "loud" }],
    ["AUTH_SECRET", { NODE_ENV: "production" }],
    ["AUTH_SECRET", { AUTH_SECRET: "short" }],
    ["REDIS_CLUSTER_NODES", { REDIS_CLUSTER_NODES: "redis://a:1" }],
    ["REDIS_URL", { REDIS_URL: "localhost:6379" }],
    ["REDIS_URL", { REDIS_URL: "redis://a:1", REDIS_CLUSTER_NODES: "a:1" }],
    ["WS_ENGINE", { WS_ENGINE: "uws" }],
    ["WS_DEFLATE", { WS_DEFLATE: "gzip" }],
    ["BATCH_MAX_TICK_MS", { BATCH_MAX_TICK_MS: "5000" }],
    ["API_KEYS", { API_KEYS: "too-short" }],
    ["API_KEYS", { API_KEYS: "a-long-enough-key-0001,has space in it 0002" }],
    ["API_RATE_LIMIT_PER_SEC", { API_RATE_LIMIT_PER_SEC: "0" }],
    ["DATABASE_URL", { DATABASE_URL: "mysql://db:3306/chat" }],
    ["DATABASE_URL", { DATABASE_URL: "db:5432/chat" }],
    ["DATA_DIR", { DATA_DIR: "data\0dir" }],
    ["ARCHIVE_RETENTION_DAYS", { ARCHIVE_RETENTION_DAYS: "-1" }],
    ["ARCHIVE_RETENTION_DAYS", { ARCHIVE_RETENTION_DAYS: "forever" }],
    ["ARCHIVE_BACKLOG_MAX", { ARCHIVE_BACKLOG_MAX: "10" }],
    ["CLUSTER_NAME", { CLUSTER_NAME: "prod eu" }],
    ["CLUSTER_NAME", { CLUSTER_NAME: "{tag}" }],
  ])("names %s when it is bad", (variable, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^${variable}:`));
  });

  it("takes REDIS_PASSWORD for every Redis node, and never repeats a URL's password in an error", () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: "a:1,b:2", REDIS_PASSWORD: "pw-123" }).redis).toEqual({ mode: "cluster", urls: ["redis://a:1", "redis://b:2"], password: "pw-123" });
    expect(loadConfig({ REDIS_URL: "redis://a:1" }).redis).toEqual({ mode: "standalone", urls: ["redis://a:1"] });
    expect(() => loadConfig({ REDIS_URL: "user:hunter2@a:1" })).toThrow(/^REDIS_URL: .*"\*\*\*@a:1"/);
    expect(() => loadConfig({ REDIS_URL: "user:hunter2@a:1" })).not.toThrow(/hunter2/);
    expect(redactRedisUrl("rediss://default:hunter2@cache:6380/0")).toBe("rediss://***@cache:6380/0");
    expect(redactRedisUrl("redis://cache:6379")).toBe("redis://cache:6379");
  });

  it("bounds token lifetime (TOKEN_MAX_TTL_SEC) and reads the abuse limits", () => {
    expect(loadConfig({})).toMatchObject({ tokenMaxTtlSec: 86_400, ratePerIpPerSec: 60, ratePerUserPerSec: 10, floodPenaltySec: 60, maxClientQueueBytes: 1_048_576, metricsPort: undefined });
    expect(loadConfig({ METRICS_PORT: "9100" }).metricsPort).toBe(9100);
    expect(() => loadConfig({ TOKEN_MAX_TTL_SEC: "0" })).toThrow(/^TOKEN_MAX_TTL_SEC:/);
  });

  it("reads the archive's settings: PostgreSQL with DATABASE_URL, else the embedded file under DATA_DIR", () => {
    expect(loadConfig({})).toMatchObject({ databaseUrl: undefined, dataDir: resolve("data"), archive: true, archiveRetentionDays: 0 });
    expect(loadConfig({ ARCHIVE: "OFF" }).archive).toBe(false);
    expect(() => loadConfig({ ARCHIVE: "no" })).toThrow(/^ARCHIVE: must be on or off/);
    const url = "postgresql://chat:s3cret@db:5432/chat?sslmode=require";
    expect(loadConfig({ DATABASE_URL: url, DATA_DIR: "/var/lib/chat", ARCHIVE_RETENTION_DAYS: "90" })).toMatchObject({
      databaseUrl: url,
      dataDir: "/var/lib/chat",
      archiveRetentionDays: 90,
    });
    expect(loadConfig({}).archiveBacklogMax).toBe(1_000_000);
    expect(loadConfig({ ARCHIVE_BACKLOG_MAX: "5000" }).archiveBacklogMax).toBe(5_000);
    expect(() => loadConfig({ DATABASE_URL: "mysql://chat:s3cret@db/chat" })).toThrow(/^DATABASE_URL: .*"mysql:\/\/\*\*\*@db\/chat"/);
    expect(() => loadConfig({ DATABASE_URL: "mysql://chat:s3cret@db/chat" })).not.toThrow(/s3cret/);
  });

  it("runs the lean WebSocket engine unless WS_ENGINE=ws", () => {
    expect(loadConfig({}).wsEngine).toBe("lean");
    expect(loadConfig({ WS_ENGINE: "WS" }).wsEngine).toBe("ws");
  });

  it("shares permessage-deflate unless WS_DEFLATE=false; grows big rooms' ticks up to BATCH_MAX_TICK_MS", () => {
    expect(loadConfig({}).wsDeflate).toBe(true);
    expect(loadConfig({ WS_DEFLATE: "false" }).wsDeflate).toBe(false);
    expect(loadConfig({}).batchMaxTickMs).toBe(100);
    expect(loadConfig({ BATCH_MAX_TICK_MS: "25" }).batchMaxTickMs).toBe(25);
  });

  it("reads API keys (comma-separated; none = the API is off)", () => {
    expect(loadConfig({}).apiKeys).toEqual([]);
    expect(loadConfig({ API_KEYS: " site-backend-key-0001 , rotated-key-0000000002" }).apiKeys).toEqual([
      "site-backend-key-0001",
      "rotated-key-0000000002",
    ]);
  });

  it("parses the Redis modes", () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: "10.0.0.1:7000, redis-2:7001" }).redis).toEqual({
      mode: "cluster",
      urls: ["redis://10.0.0.1:7000", "redis://redis-2:7001"],
    });
    expect(loadConfig({ REDIS_URL: "redis://127.0.0.1:6379" }).redis).toEqual({
      mode: "standalone",
      urls: ["redis://127.0.0.1:6379"],
    });
  });
});
