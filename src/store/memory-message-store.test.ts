import { MemoryMessageStore } from "./memory-message-store.js";
import { messageStoreSuite } from "./message-store.suite.js";

messageStoreSuite("in-memory", async (options) => new MemoryMessageStore(options));
