import { freshKeyPrefix, useSharedClusterClient } from "../../test/support/shared-cluster-client.js";
import { messageStoreSuite } from "./message-store.suite.js";
import { RedisMessageStore } from "./redis-message-store.js";

const redis = useSharedClusterClient();
// One prefix per file (rooms are unique per test), so two store instances share a room's keys.
const keyPrefix = freshKeyPrefix();

messageStoreSuite("redis cluster", async (options) =>
  new RedisMessageStore(redis(), { keyPrefix, ...options }),
);
