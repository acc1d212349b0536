/**
 * The OpenAPI schemas of GET /cluster (src/protocol/cluster-view.ts, the same shapes): merged into
 * the document's components by src/api/openapi.ts. Every object is closed (no other properties),
 * so a field added to the protocol type and not here fails the test that checks a served view
 * against them.
 */
type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const count: Json = { type: "integer", minimum: 0 };
const rate: Json = { type: "number", minimum: 0 };

function closed(properties: Record<string, Json>, description?: string): Json {
  return { type: "object", required: Object.keys(properties), additionalProperties: false, properties, ...(description ? { description } : {}) };
}

const shortfalls = closed({
  refused: { ...count, description: "Sends acked unavailable: the shard's replica did not confirm in time" },
  degraded: { ...count, description: "Sends accepted with one copy: the shard had no replica left" },
});

const replica = closed(
  {
    id: { type: "string", description: "Replica id (hostname-pid-random), as in its logs" },
    address: { type: "string", description: "host:port it listens on" },
    startedAt: { type: "integer", description: "ms since the epoch" },
    version: { type: "string" },
    beatMs: { type: "integer", minimum: 1, description: "Time between two of its beats" },
    state: { enum: ["up", "late"], description: "late: missed two beats; it drops out when its last beat's TTL (3 beats) runs out" },
    ageMs: { ...count, description: "Time since its last beat (Redis's clock)" },
    connections: count,
    rooms: { ...count, description: "Rooms with a member on this replica" },
    messagesPerSec: { ...rate, description: "Messages it stored, over its last beat" },
    deliveriesPerSec: { ...rate, description: "Packets written to room members, over its last beat" },
    slowConsumers: { ...count, description: "Connections closed as slow consumers within windowSec" },
    shortfalls: { ...shortfalls, description: "Replication shortfalls within windowSec" },
    eventLoopLagMs: closed({ p99: rate, max: rate }, "Event-loop delay over its last beat"),
  },
  "One replica, from its last heartbeat",
);

export const clusterSchemas: Json = {
  ClusterView: closed({
    cluster: { type: "string", description: "CLUSTER_NAME" },
    at: { type: "integer", description: "When the view was read (ms since the epoch)" },
    windowSec: { type: "integer", minimum: 1, description: "The window of slowConsumers and shortfalls" },
    replicas: { type: "array", items: ref("ReplicaView"), description: "Every replica with a live heartbeat, oldest first" },
    totals: closed(
      {
        replicasUp: count,
        connections: count,
        rooms: { ...count, description: "Rooms with a member on any replica, each counted once" },
        messagesPerSec: rate,
        deliveriesPerSec: rate,
        slowConsumers: count,
        shortfalls,
      },
      "Over the replicas up",
    ),
    topRooms: closed({
      byViewers: { type: "array", items: closed({ room: { type: "string" }, viewers: count }), description: "Viewers over every replica (presence), most first" },
      byMessages: { type: "array", items: closed({ room: { type: "string" }, messagesPerSec: rate }), description: "Messages stored per second over every replica, most first" },
    }),
  }),
  ReplicaView: replica,
};
