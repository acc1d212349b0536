import { MemoryPresenceStore } from "./memory-presence-store.js";
import { presenceStoreSuite } from "./presence-store.suite.js";

presenceStoreSuite("in-memory", async (options) => new MemoryPresenceStore(options));
