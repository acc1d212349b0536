import { freshKeyPrefix, useSharedRedisClients } from "../../../test/support/shared-cluster-client.js";
import { moderationLogSuite } from "../moderation-log.suite.js";
import { moderationStoreSuite } from "../moderation-store.suite.js";
import { RedisModerationLog } from "./redis-moderation-log.js";
import { RedisModerationStore } from "./redis-moderation-store.js";

const redis = useSharedRedisClients();
// The site's terms are one key: a prefix per file keeps files apart on the shared cluster.
const keyPrefix = freshKeyPrefix();

moderationStoreSuite("redis cluster", async (options) => new RedisModerationStore(redis().pub, { keyPrefix, ...options }));
moderationLogSuite("redis cluster", async (options) => new RedisModerationLog(redis().pub, { keyPrefix, ...options }));
