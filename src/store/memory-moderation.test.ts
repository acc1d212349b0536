import { MemoryModerationLog } from "./memory-moderation-log.js";
import { MemoryModerationStore } from "./memory-moderation-store.js";
import { moderationLogSuite } from "./moderation-log.suite.js";
import { moderationStoreSuite } from "./moderation-store.suite.js";

moderationStoreSuite("in-memory", async (options) => new MemoryModerationStore(options));
moderationLogSuite("in-memory", async (options) => new MemoryModerationLog(options));
