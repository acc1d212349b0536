/** The moderation routes' part of the OpenAPI document (src/api/moderation-routes.ts; issue #21). */
import { MAX_DELAY_SEC, MAX_FOLLOW_AGE_SEC, MAX_LOG_PAGE, REASON_MAX_LENGTH, TERM_MAX_LENGTH } from "../protocol/index.js";
import { body, errors, json, ref, roomParam, userParam, type Json } from "./openapi-parts.js";

/** The room's settings as the API answers them: the chat modes are present only while on. */
export function roomSettingsSchema(maxSlowModeSec: number): Json {
  return {
    type: "object",
    required: ["slowModeSec"],
    properties: {
      slowModeSec: { type: "integer", minimum: 0, maximum: maxSlowModeSec, description: "Seconds between two messages of one viewer; 0 = off" },
      subscribersOnly: { const: true, description: "Only users whose token has the `subscriber` badge may chat (moderators and the streamer too)" },
      followersOnlySec: { type: "integer", minimum: 0, maximum: MAX_FOLLOW_AGE_SEC, description: "Only users whose token's `followedAt` is at least this many seconds ago may chat" },
      uniqueChat: { const: true, description: "A text identical (case, spacing, invisible characters aside) to one sent in the room in the last 30 s is refused" },
      delaySec: { type: "integer", minimum: 1, maximum: MAX_DELAY_SEC, description: "Viewers' messages are held this long before they are stored; moderators may remove them first" },
    },
  };
}

const termParam: Json = { name: "term", in: "path", required: true, description: "The term (URL-encoded); matched in its normalised form", schema: { type: "string", minLength: 1, maxLength: TERM_MAX_LENGTH * 4 } };
const heldParam: Json = { name: "id", in: "path", required: true, description: "A held message's id (`h` and digits)", schema: { type: "string", pattern: "^h\\d{1,20}$" } };
const messageParam: Json = { name: "id", in: "path", required: true, description: "A message id", schema: { type: "string", maxLength: 64 } };

const user: Json = ref("User");

export const moderationSchemas: Json = {
  SettingsChange: {
    type: "object",
    minProperties: 1,
    properties: {
      slowModeSec: { type: "integer", minimum: 0, maximum: 300 },
      subscribersOnly: { type: "boolean" },
      followersOnlySec: { type: ["integer", "null"], minimum: 0, maximum: MAX_FOLLOW_AGE_SEC, description: "null turns followers-only off" },
      uniqueChat: { type: "boolean" },
      delaySec: { type: "integer", minimum: 0, maximum: MAX_DELAY_SEC, description: "0 turns the delay off" },
    },
  },
  Moderator: {
    type: "object",
    required: ["userId", "by", "at"],
    properties: { userId: { type: "string" }, name: { type: "string" }, by: { type: "string", description: "Who appointed them: a user id, or site" }, at: { type: "integer" } },
  },
  BlockedTerm: {
    type: "object",
    required: ["term", "action", "match", "by", "at"],
    properties: {
      term: { type: "string", description: "Normalised: NFKC, lower case, invisible characters removed, spaces collapsed" },
      action: { enum: ["block", "hold"], description: "block: the send is refused (blocked); hold: the message waits for a moderator" },
      match: { enum: ["word", "substring"] },
      by: { type: "string" },
      at: { type: "integer" },
    },
  },
  HeldMessage: {
    type: "object",
    required: ["id", "room", "kind", "text", "user", "ts", "reason", "releaseAt"],
    properties: {
      id: { type: "string" },
      room: { type: "string" },
      kind: { enum: ["chat", "question"] },
      text: { type: "string" },
      user,
      ts: { type: "integer" },
      reason: { enum: ["delay", "review"] },
      term: { type: "string" },
      releaseAt: { type: ["integer", "null"], description: "A delay's due time; null: waits for a moderator" },
      replyTo: { type: "object" },
    },
  },
  ReportedMessage: {
    type: "object",
    required: ["id", "room", "message", "reports", "count"],
    properties: {
      id: { type: "string", description: "The message's id" },
      room: { type: "string" },
      message: { type: "object", required: ["kind", "text", "user", "ts"], properties: { kind: { enum: ["chat", "question"] }, text: { type: "string" }, user, ts: { type: "integer" } } },
      reports: {
        type: "array",
        items: { type: "object", required: ["by", "reason", "at"], properties: { by: { type: "object" }, reason: { type: "string" }, at: { type: "integer" } } },
      },
      count: { type: "integer" },
    },
  },
  ModerationLogEntry: {
    type: "object",
    required: ["id", "room", "at", "by", "action"],
    properties: {
      id: { type: "string" },
      room: { type: "string" },
      at: { type: "integer" },
      by: { type: "object", required: ["id", "name"], properties: { id: { type: "string" }, name: { type: "string" }, role: { type: "string" }, system: { const: true } } },
      action: {
        enum: ["delete", "mute", "ban", "unban", "clear", "configure", "moderator_add", "moderator_remove", "held_approve", "held_deny", "report_dismiss", "term_add", "term_remove"],
      },
      target: { type: "object", properties: { userId: { type: "string" }, messageId: { type: "string" }, heldId: { type: "string" }, term: { type: "string" } } },
      reason: { type: "string" },
      detail: { type: "string" },
    },
  },
};

const termBody = body({
  type: "object",
  required: ["action"],
  properties: { action: { enum: ["block", "hold"] }, match: { enum: ["word", "substring"], default: "word" } },
});
const termAnswer = json({ type: "object", required: ["term"], properties: { term: ref("BlockedTerm") } }, "The term as stored");
const termsAnswer = json({ type: "object", required: ["terms"], properties: { terms: { type: "array", items: ref("BlockedTerm") } } }, "Terms, oldest first");
const removed = json({ type: "object", properties: { removed: { const: true } } }, "Removed");

function termPaths(base: string, params: Json[], who: string): Json {
  return {
    [base]: { parameters: params, get: { operationId: `get${who}Terms`, summary: `The ${who === "Site" ? "site's" : "room's"} blocked terms`, responses: { "200": termsAnswer, ...errors("BadRequest") } } },
    [`${base}/{term}`]: {
      parameters: [...params, termParam],
      put: {
        operationId: `put${who}Term`,
        summary: `Add a blocked term ${who === "Site" ? "for every room" : "to the room"}, or change its rule`,
        description: who === "Site" ? "Every replica drops its compiled list before this answers." : "The room's moderators get mod:terms; every replica with members in the room recompiles its list.",
        requestBody: termBody,
        responses: { "200": termAnswer, ...errors("BadRequest", "TooLarge") },
      },
      delete: { operationId: `delete${who}Term`, summary: "Remove a blocked term", responses: { "200": removed, ...errors("BadRequest", "NotFound") } },
    },
  };
}

export const moderationPaths: Json = {
  "/rooms/{room}/moderators": {
    parameters: [roomParam],
    get: {
      operationId: "getModerators",
      summary: "The room's appointed moderators (token `mod` claims are not listed)",
      responses: { "200": json({ type: "object", required: ["moderators"], properties: { moderators: { type: "array", items: ref("Moderator") } } }, "Moderators"), ...errors("BadRequest") },
    },
  },
  "/rooms/{room}/moderators/{userId}": {
    parameters: [roomParam, userParam],
    put: {
      operationId: "putModerator",
      summary: "Appoint a moderator (as the streamer would); their connections get room:role on every replica",
      requestBody: { required: false, content: { "application/json": { schema: { type: "object", properties: { name: { type: "string", minLength: 1, maxLength: 32 } } } } } },
      responses: {
        "201": json({ type: "object", required: ["added"], properties: { added: { const: true } } }, "Appointed"),
        "200": json({ type: "object", required: ["added"], properties: { added: { const: false } } }, "A moderator already (the name, if given, is updated)"),
        ...errors("BadRequest", "TooLarge"),
      },
    },
    delete: { operationId: "deleteModerator", summary: "Remove an appointed moderator", responses: { "200": removed, ...errors("BadRequest", "NotFound") } },
  },
  "/rooms/{room}/moderation-log": {
    parameters: [roomParam],
    get: {
      operationId: "getModerationLog",
      summary: "The room's moderation log, newest first (bounded: the newest 1,000 entries of 30 days)",
      parameters: [
        { name: "before", in: "query", required: false, description: "A log entry id: only older entries", schema: { type: "string" } },
        { name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: MAX_LOG_PAGE, default: MAX_LOG_PAGE / 2 } },
      ],
      responses: { "200": json({ type: "object", required: ["entries"], properties: { entries: { type: "array", items: ref("ModerationLogEntry") } } }, "Entries"), ...errors("BadRequest") },
    },
  },
  "/rooms/{room}/queue": {
    parameters: [roomParam],
    get: {
      operationId: "getQueue",
      summary: "The room's review queue: held messages (oldest first) and reported ones (most recently reported first)",
      responses: {
        "200": json(
          { type: "object", required: ["held", "reports"], properties: { held: { type: "array", items: ref("HeldMessage") }, reports: { type: "array", items: ref("ReportedMessage") } } },
          "The queue",
        ),
        ...errors("BadRequest"),
      },
    },
  },
  "/rooms/{room}/held/{id}/approve": {
    parameters: [roomParam, heldParam],
    post: {
      operationId: "approveHeld",
      summary: "Store a held message now; the room gets it like any message",
      responses: {
        "200": json({ type: "object", required: ["approved"], properties: { approved: { const: true }, messageId: { type: "string", description: "Absent when its author was banned or muted meanwhile (dropped)" } } }, "Approved"),
        ...errors("BadRequest", "NotFound"),
      },
    },
  },
  "/rooms/{room}/held/{id}/deny": {
    parameters: [roomParam, heldParam],
    post: {
      operationId: "denyHeld",
      summary: "Remove a held message before anyone sees it; its sender is told (blocked)",
      requestBody: { required: false, content: { "application/json": { schema: { type: "object", properties: { reason: { type: "string", maxLength: REASON_MAX_LENGTH } } } } } },
      responses: { "200": json({ type: "object", properties: { denied: { const: true } } }, "Denied"), ...errors("BadRequest", "NotFound") },
    },
  },
  "/rooms/{room}/reports/{id}": {
    parameters: [roomParam, messageParam],
    delete: {
      operationId: "dismissReport",
      summary: "Take a reported message off the queue (it stays; to remove it, DELETE /rooms/{room}/messages/{id})",
      responses: { "200": json({ type: "object", properties: { dismissed: { const: true } } }, "Dismissed"), ...errors("BadRequest", "NotFound") },
    },
  },
  ...termPaths("/rooms/{room}/blocked-terms", [roomParam], "Room"),
  ...termPaths("/blocked-terms", [], "Site"),
};
