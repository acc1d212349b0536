import { defaultClusterViewOptions } from "./cluster-view.js";
import { defaultHeartbeatOptions, type HeartbeatOptions } from "./heartbeat.js";
import { defaultReplicaSamplerOptions } from "./replica-sampler.js";

/** The heartbeat and the cluster view of one server (the components' defaults, gathered once). */
export interface OpsOptions extends HeartbeatOptions {
  /** `CLUSTER_NAME`: replicas with the same name on one Redis are one cluster view. @default "chat" */
  cluster: string;
  /** Rooms in each top list (per beat, and in the view). @default 20 */
  topRooms: number;
  /** Slow consumers and shortfalls are counted over this long. @default 300 */
  windowSec: number;
  /** A cluster view is reused this long (any number of open pages: one Redis read a second). @default 1000 */
  viewCacheMs: number;
}

export const defaultOpsOptions: OpsOptions = {
  ...defaultHeartbeatOptions,
  cluster: defaultClusterViewOptions.cluster,
  topRooms: defaultReplicaSamplerOptions.topRooms,
  windowSec: defaultClusterViewOptions.windowSec,
  viewCacheMs: defaultClusterViewOptions.cacheMs,
};

/** Letters, digits, `_` and `-`, 1-64: it is part of a Redis key and shown on the page. */
export const CLUSTER_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
