/**
 * The OpenAPI of the archive's routes (issue #20, src/api/archive-routes.ts): older pages, replay,
 * export and a user's erasure. Merged into the document by src/api/openapi.ts.
 */
import { MAX_HISTORY_PAGE, DEFAULT_HISTORY_PAGE, MAX_REPLAY_RANGE_MS } from "../protocol/index.js";
import { errors, json, ref, roomParam, userParam, type Json } from "./openapi-parts.js";

/** An NDJSON body: its schema is that of one line. */
const ndjson = (description: string): Json => ({
  description,
  content: { "application/x-ndjson": { schema: ref("RoomEntry") } },
});

export const archiveSchemas: Json = {
  RoomEntry: {
    type: "object",
    required: ["id", "room", "kind", "text", "user", "ts"],
    description: "One stored entry of a room (a replay or export line)",
    properties: {
      id: { type: "string" },
      room: { type: "string" },
      kind: { enum: ["chat", "question", "notice", "clear"], description: "clear: the chat before it was cleared (text empty); clients ignore kinds they do not know" },
      text: { type: "string" },
      user: ref("User"),
      ts: { type: "integer", description: "Milliseconds since the epoch" },
      system: { const: true },
      replyTo: { type: "object", required: ["id", "user", "excerpt"], properties: { id: { type: "string" }, user: ref("User"), excerpt: { type: "string" } } },
      deleted: {
        type: "object",
        required: ["by", "at"],
        description: "Export only: moderation deleted it (a moderator's user id, or api) at this time",
        properties: { by: { type: "string" }, at: { type: "integer" } },
      },
    },
  },
};

/** GET of /rooms/{room}/messages (its POST is in openapi.ts). */
export const olderMessagesGet: Json = {
  operationId: "getMessages",
  summary: "A page of the room's messages, older than a message id, across the hot window and the archive",
  description:
    "Oldest first. Pages cross from the hot window (Redis, or memory) to the archive with no gap and no duplicate; a clear marker ends what is shown (hasMore false). Without an archive, the hot window alone. Page back by passing the first message's id as `before`.",
  parameters: [
    { name: "before", in: "query", required: false, description: "A message id: only older messages. Absent: the newest page", schema: { type: "string", pattern: "^\\d{14}-\\d{10}$" } },
    { name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: MAX_HISTORY_PAGE, default: DEFAULT_HISTORY_PAGE } },
  ],
  responses: {
    "200": json(
      {
        type: "object",
        required: ["room", "messages", "hasMore"],
        properties: { room: { type: "string" }, messages: { type: "array", items: ref("ChatMessage") }, hasMore: { type: "boolean", description: "false: the start of what can be shown" } },
      },
      "A page, oldest first",
    ),
    ...errors("BadRequest"),
  },
};

export const archivePaths: Json = {
  "/rooms/{room}/replay": {
    parameters: [roomParam],
    get: {
      operationId: "replayRoom",
      summary: "Stream a time range of the room as NDJSON, in order (to sync chat replay with a VOD)",
      description: `Every kind of entry with ts in [from, to), deleted ones left out: the archive's, then the newest ones not archived yet from the hot window, merged by id. At most ${MAX_REPLAY_RANGE_MS / 3_600_000} h per request. Streamed with backpressure; a failure after the first line cuts the connection (the response never ends normally).`,
      parameters: [
        { name: "from", in: "query", required: true, description: "ms since the epoch (inclusive)", schema: { type: "integer", minimum: 0 } },
        { name: "to", in: "query", required: true, description: "ms since the epoch (exclusive), after from, at most 24 h later", schema: { type: "integer", minimum: 1 } },
      ],
      responses: { "200": ndjson("The entries, one JSON object per line"), ...errors("BadRequest") },
    },
  },
  "/rooms/{room}/export": {
    parameters: [roomParam],
    get: {
      operationId: "exportRoom",
      summary: "Everything the room holds as NDJSON, deleted entries included and marked (audits)",
      responses: { "200": ndjson("The entries, one JSON object per line, `deleted` on what moderation removed"), ...errors("BadRequest") },
    },
  },
  "/users/{userId}/messages": {
    parameters: [userParam],
    delete: {
      operationId: "eraseUserMessages",
      summary: "Erase a user's messages everywhere (privacy requests); viewers get chat:deleted",
      description:
        "Removes the user's messages up to now from the archive (in chunks, and remembered so a late write-behind cannot bring them back) and from every room's live history; each room's viewers get chat:deleted for each. Needs the archive when one is configured: with it down the answer is 503 and nothing is reported done (a retry finishes the job).",
      responses: {
        "200": json(
          {
            type: "object",
            required: ["userId", "archived", "removed"],
            properties: {
              userId: { type: "string" },
              archived: { type: "integer", minimum: 0, description: "Entries erased from the archive" },
              removed: { type: "integer", minimum: 0, description: "Entries removed from live history (viewers told)" },
            },
          },
          "Erased",
        ),
        ...errors("BadRequest"),
      },
    },
  },
};
