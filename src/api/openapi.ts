/**
 * The HTTP API's OpenAPI 3.1 document, served at /api/v1/openapi.json. Written by hand next to the
 * routes (src/api/api-router.ts); src/api/openapi.test.ts validates it as OpenAPI 3.1 and checks
 * that it lists exactly the routes the router mounts.
 */
import { MAX_BAN_SEC, MAX_MUTE_SEC, MAX_SLOW_MODE_SEC, ROOM_ID_PATTERN, RefusalReason } from "../protocol/index.js";
import { MAX_OPEN_SEC } from "./api-requests.js";
import { clusterSchemas } from "./openapi-cluster.js";
import { archivePaths, archiveSchemas, olderMessagesGet } from "./openapi-archive.js";
import { body, errors, json, ref, roomParam, userParam, type Json } from "./openapi-parts.js";
import { moderationPaths, moderationSchemas, roomSettingsSchema } from "./openapi-moderation.js";

const user: Json = {
  type: "object",
  required: ["id", "name", "role"],
  properties: {
    id: { type: "string" },
    name: { type: "string" },
    role: { type: "string", description: "viewer, streamer or moderator (a client must accept roles it does not know)" },
    badges: { type: "array", items: { type: "string" }, description: "Badges the site signed into the author's token (e.g. subscriber, vip)" },
  },
};

const schemas: Json = {
  Error: {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message"],
        properties: {
          code: { enum: ["bad_request", "unauthorized", "not_found", "conflict", "too_large", "rate_limited", "unavailable"] },
          message: { type: "string" },
          retryAfterMs: { type: "integer", minimum: 0, description: "With rate_limited and unavailable: when to retry" },
          reason: { enum: Object.values(RefusalReason), description: "Which rule refused it, when the code alone does not say" },
        },
      },
    },
  },
  User: user,
  ChatMessage: {
    type: "object",
    required: ["id", "room", "kind", "text", "user", "ts"],
    properties: {
      id: { type: "string", description: "Ids of one room compare as plain strings in storage order" },
      room: { type: "string" },
      kind: { enum: ["chat", "question"] },
      text: { type: "string" },
      user: ref("User"),
      ts: { type: "integer", description: "Milliseconds since the epoch" },
      system: { const: true, description: "Posted by the site through this API" },
      replyTo: {
        type: "object",
        required: ["id", "user", "excerpt"],
        description: "The message this one replies to",
        properties: { id: { type: "string" }, user: ref("User"), excerpt: { type: "string" } },
      },
    },
  },
  RoomSettings: roomSettingsSchema(MAX_SLOW_MODE_SEC),
  ...moderationSchemas,
  ...clusterSchemas,
  ...archiveSchemas,
};

function errorResponse(description: string): Json {
  return json(ref("Error"), description);
}

const responses: Json = {
  BadRequest: errorResponse("bad_request: a malformed path, query or body"),
  Unauthorized: errorResponse("unauthorized: no API key, or a wrong one"),
  NotFound: errorResponse("not_found: no such message, ban, moderator, held message, report, term or route"),
  Conflict: errorResponse("conflict: the Idempotency-Key was used for a different request"),
  TooLarge: errorResponse("too_large: the body (or its text) is over the limit"),
  RateLimited: {
    ...errorResponse("rate_limited: too many requests for this key"),
    headers: { "Retry-After": { description: "Seconds to wait", schema: { type: "integer" } } },
  },
  Unavailable: {
    ...errorResponse("unavailable: the store (Redis) or the archive cannot be reached; retry (with the same Idempotency-Key)"),
    headers: { "Retry-After": { description: "Seconds to wait", schema: { type: "integer" } } },
  },
};

const paths: Json = {
  "/openapi.json": {
    get: {
      operationId: "getOpenApi",
      summary: "This document (no key needed)",
      security: [],
      responses: { "200": json({ type: "object" }, "The OpenAPI 3.1 document") },
    },
  },
  "/rooms/{room}/messages": {
    parameters: [roomParam],
    get: olderMessagesGet,
    post: {
      operationId: "postSystemMessage",
      summary: "Post a system message or notice as the site",
      description:
        "Stored in the room's history and delivered to its viewers on every replica like any message, with `system: true` and `user` = `{ id: \"system\", name, role: \"streamer\" }`. A notice replaces the room's pinned notice. Retries with the same Idempotency-Key (within 10 minutes) store nothing new and answer the first id.",
      parameters: [
        { name: "Idempotency-Key", in: "header", required: false, description: "1-128 visible ASCII characters", schema: { type: "string", maxLength: 128 } },
      ],
      requestBody: body({
        type: "object",
        required: ["text"],
        properties: {
          text: { type: "string", minLength: 1, description: "At most MESSAGE_MAX_LENGTH characters" },
          kind: { enum: ["chat", "notice"], default: "chat" },
          name: { type: "string", minLength: 1, maxLength: 32, default: "System" },
        },
      }),
      responses: {
        "201": json({ type: "object", required: ["id", "duplicate"], properties: { id: { type: "string" }, duplicate: { const: false } } }, "Stored"),
        "200": json({ type: "object", required: ["id", "duplicate"], properties: { id: { type: "string" }, duplicate: { const: true } } }, "A retry: stored before, nothing new"),
        ...errors("BadRequest", "Conflict", "TooLarge"),
      },
    },
  },
  "/rooms/{room}/messages/{id}": {
    parameters: [roomParam, { name: "id", in: "path", required: true, schema: { type: "string", maxLength: 64 } }],
    delete: {
      operationId: "deleteMessage",
      summary: "Delete a message from history; viewers get chat:deleted",
      responses: { "200": json({ type: "object", properties: { deleted: { const: true } } }, "Deleted"), ...errors("BadRequest", "NotFound") },
    },
  },
  "/rooms/{room}/history": {
    parameters: [roomParam],
    get: {
      operationId: "getHistory",
      summary: "The room's published messages (none from before the last clear)",
      parameters: [
        { name: "since", in: "query", required: false, description: "A message id: the messages after it (recovered = true)", schema: { type: "string" } },
        { name: "limit", in: "query", required: false, description: "The oldest after since, else the newest", schema: { type: "integer", minimum: 1, maximum: 1000 } },
      ],
      responses: {
        "200": json(
          { type: "object", required: ["room", "recovered", "messages"], properties: { room: { type: "string" }, recovered: { type: "boolean" }, messages: { type: "array", items: ref("ChatMessage") } } },
          "Messages, oldest first",
        ),
        ...errors("BadRequest"),
      },
    },
  },
  "/rooms/{room}/open": {
    parameters: [roomParam],
    post: {
      operationId: "openRoom",
      summary: "Open the room for viewers' messages (matters with REQUIRE_OPEN_ROOMS)",
      description: "With REQUIRE_OPEN_ROOMS=true only rooms a streamer joined with its token, or the site opened here, accept viewers' messages; others refuse them with forbidden. Default duration: the history TTL.",
      requestBody: { required: false, content: { "application/json": { schema: { type: "object", properties: { durationSec: { type: "integer", minimum: 1, maximum: MAX_OPEN_SEC } } } } } },
      responses: { "200": json({ type: "object", required: ["until"], properties: { until: { type: "integer" } } }, "Open until (ms since the epoch)"), ...errors("BadRequest", "TooLarge") },
    },
  },
  "/rooms/{room}/mutes": {
    parameters: [roomParam],
    post: {
      operationId: "muteUser",
      summary: "Mute a user in the room for a while",
      requestBody: body({ type: "object", required: ["userId", "durationSec"], properties: { userId: { type: "string" }, durationSec: { type: "integer", minimum: 1, maximum: MAX_MUTE_SEC } } }),
      responses: { "200": json({ type: "object", required: ["until"], properties: { until: { type: "integer" } } }, "Muted until (ms since the epoch)"), ...errors("BadRequest", "TooLarge") },
    },
  },
  "/rooms/{room}/bans": {
    parameters: [roomParam],
    post: {
      operationId: "banUser",
      summary: "Ban a user from the room, until lifted or for a while",
      description: "Their sends and joins are refused on every replica; their sockets in the room are told (room:banned) and removed.",
      requestBody: body({ type: "object", required: ["userId"], properties: { userId: { type: "string" }, durationSec: { type: "integer", minimum: 1, maximum: MAX_BAN_SEC } } }),
      responses: {
        "200": json(
          { type: "object", required: ["until", "removed"], properties: { until: { type: ["integer", "null"] }, removed: { type: "integer", description: "Sockets removed from the room" } } },
          "Banned (until null: until lifted)",
        ),
        ...errors("BadRequest", "TooLarge"),
      },
    },
  },
  "/rooms/{room}/bans/{userId}": {
    parameters: [roomParam, userParam],
    delete: {
      operationId: "unbanUser",
      summary: "Lift a ban",
      responses: { "200": json({ type: "object", properties: { lifted: { const: true } } }, "Lifted"), ...errors("BadRequest", "NotFound") },
    },
  },
  "/rooms/{room}/clear": {
    parameters: [roomParam],
    post: {
      operationId: "clearChat",
      summary: "Clear the room's chat",
      description: "A clear marker in history, delivered in order on every replica (chat:cleared, or a `clear` entry in chat:batch); later joins do not see what was before it.",
      responses: { "200": json({ type: "object", required: ["id"], properties: { id: { type: "string" } } }, "The marker's id"), ...errors("BadRequest") },
    },
  },
  "/rooms/{room}/settings": {
    parameters: [roomParam],
    get: {
      operationId: "getSettings",
      summary: "The room's settings",
      responses: { "200": json({ type: "object", required: ["settings"], properties: { settings: ref("RoomSettings") } }, "Settings"), ...errors("BadRequest") },
    },
    put: {
      operationId: "putSettings",
      summary: "Change the room's settings (slow mode, chat modes); viewers get room:settings",
      description:
        "Only the fields given change (at least one). `subscribersOnly: false`, `followersOnlySec: null`, `uniqueChat: false` and `delaySec: 0` turn a mode off; the answer has every setting, modes only while on.",
      requestBody: body(ref("SettingsChange")),
      responses: { "200": json({ type: "object", required: ["settings"], properties: { settings: ref("RoomSettings") } }, "Settings"), ...errors("BadRequest", "TooLarge") },
    },
  },
  "/viewers": {
    get: {
      operationId: "getViewers",
      summary: "Viewer counts of many rooms in one request",
      description: "From presence (refreshed every few seconds by the replicas), one Redis read for all the rooms.",
      parameters: [
        { name: "room", in: "query", required: true, style: "form", explode: true, schema: { type: "array", minItems: 1, maxItems: 200, items: { type: "string", pattern: ROOM_ID_PATTERN.source } } },
      ],
      responses: {
        "200": json({ type: "object", required: ["viewers"], properties: { viewers: { type: "object", additionalProperties: { type: "integer", minimum: 0 } } } }, "Count per room"),
        ...errors("BadRequest", "TooLarge"),
      },
    },
  },
  ...moderationPaths,
  ...archivePaths,
  "/users/{userId}/disconnect": {
    parameters: [userParam],
    post: {
      operationId: "disconnectUser",
      summary: "Close every connection of a user, on every replica",
      responses: { "200": json({ type: "object", required: ["disconnected"], properties: { disconnected: { type: "integer" } } }, "Connections closed"), ...errors("BadRequest") },
    },
  },
  "/cluster": {
    get: {
      operationId: "getCluster",
      summary: "The cluster as one chat: replicas up, connections, rooms, the busiest rooms, rates, slow consumers and shortfalls",
      description:
        "From the heartbeat every replica writes to Redis every 2 s (one read for the whole cluster) and the presence totals of the candidate top rooms. Any replica answers the same; a view is reused for 1 s. The /ops page polls it.",
      responses: { "200": json(ref("ClusterView"), "The cluster view"), ...errors() },
    },
  },
};

/** The document (its parts are shared between calls: read-only). */
export function openApiDocument(): Json {
  return {
    openapi: "3.1.0",
    info: {
      title: "live-chat server API",
      version: "1.0.0",
      description:
        "For the site's own backend. Authenticate with `Authorization: Bearer <key>` (a key from API_KEYS). Errors are `{ error: { code, message } }` with the chat protocol's error codes. Effects reach every replica.",
    },
    servers: [{ url: "/api/v1" }],
    security: [{ apiKey: [] }],
    paths,
    components: {
      schemas,
      responses,
      securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "A key from API_KEYS" } },
    },
  };
}
