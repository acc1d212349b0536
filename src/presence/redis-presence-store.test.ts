import { freshKeyPrefix, useSharedClusterClient } from "../../test/support/shared-cluster-client.js";
import { presenceStoreSuite } from "./presence-store.suite.js";
import { RedisPresenceStore } from "./redis-presence-store.js";

const redis = useSharedClusterClient();
// One prefix per file (rooms are unique per test), so two store instances share a room's keys.
const keyPrefix = freshKeyPrefix();

presenceStoreSuite("redis cluster", async (options) =>
  new RedisPresenceStore(redis(), { keyPrefix, ...options }),
);
