import { beforeEach } from "vitest";
import { MemoryReplicaRegistry } from "./memory-replica-registry.js";
import { replicaRegistrySuite } from "./replica-registry.suite.js";

// Replicas share a registry only inside one process: each test's registries are one instance.
let shared = new MemoryReplicaRegistry();
beforeEach(() => {
  shared = new MemoryReplicaRegistry();
});
replicaRegistrySuite("in-memory", async () => shared);
