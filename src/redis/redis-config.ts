import { redactUrl } from "../util/redact-url.js";

/** Where the Redis nodes are and how to authenticate to them (read from the environment by src/config.ts). */

export interface RedisConfig {
  /** `cluster`: REDIS_CLUSTER_NODES; `standalone`: REDIS_URL. */
  mode: "cluster" | "standalone";
  /** Cluster seed nodes as redis:// URLs, or the one standalone URL. */
  urls: string[];
  /** REDIS_PASSWORD: for every node, including the cluster nodes discovered later. Never logged. */
  password?: string;
}

/** A Redis URL fit for logs and error messages: its user and password replaced. */
export const redactRedisUrl = redactUrl;
