/**
 * The HTTP API's moderation routes (issue #21; docs/api.md): the site appoints and removes a
 * room's moderators, reads and works its review queue, manages the room's blocked terms and its
 * own site-wide list, and reads a room's moderation log. Through the same ModerationService as the
 * moderators' socket events; the site acts as `system` in the log.
 */
import {
  ErrorCode,
  MAX_LOG_PAGE,
  ProtocolError,
  isDisplayName,
  isHeldId,
  parseTermRule,
  termOf,
} from "../protocol/index.js";
import { SITE_ACTOR, type ModerationService } from "../moderation/moderation-service.js";
import { notFound } from "./api-error.js";
import type { Route } from "./api-route.js";
import { messageIdParam, roomParam, userParam } from "./api-requests.js";

type Obj = Record<string, unknown>;

function bad(message: string): never {
  throw new ProtocolError(ErrorCode.BadRequest, message);
}

/** A JSON body that may be absent (then `{}`). */
function optionalBody(raw: unknown): Obj {
  if (raw === undefined) return {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) bad("request body must be a JSON object (Content-Type: application/json)");
  return raw as Obj;
}

function heldParam(value: unknown): string {
  if (!isHeldId(value)) bad("id must be a held message's id");
  return value;
}

/** `?before=&limit=` of a log read. */
function logQuery(query: Obj): { before?: string; limit: number } {
  const { before, limit } = query;
  let n = MAX_LOG_PAGE / 2;
  if (limit !== undefined) {
    if (typeof limit !== "string" || !/^\d{1,3}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LOG_PAGE) bad(`limit must be a whole number from 1 to ${MAX_LOG_PAGE}`);
    n = Number(limit);
  }
  if (before === undefined) return { limit: n };
  return { before: messageIdParam(before), limit: n };
}

export function moderationRoutes(moderation: ModerationService): Route[] {
  const termRoutes = (base: string, scopeOf: (room: unknown) => { room: string } | "site"): Route[] => [
    {
      method: "get",
      path: base,
      handler: async (req, res) => {
        res.json({ terms: await moderation.terms(scopeOf(req.params.room)) });
      },
    },
    {
      method: "put",
      path: `${base}/:term`,
      handler: async (req, res) => {
        const scope = scopeOf(req.params.room);
        const term = termOf(req.params.term);
        res.json({ term: await moderation.addTerm(scope, term, parseTermRule(optionalBody(req.body)), SITE_ACTOR) });
      },
    },
    {
      method: "delete",
      path: `${base}/:term`,
      handler: async (req, res) => {
        const scope = scopeOf(req.params.room);
        if (!(await moderation.removeTerm(scope, termOf(req.params.term), SITE_ACTOR))) return notFound(res, "no such blocked term");
        res.json({ removed: true });
      },
    },
  ];
  return [
    {
      method: "get",
      path: "/rooms/:room/moderators",
      handler: async (req, res) => {
        res.json({ moderators: await moderation.moderators(roomParam(req.params.room)) });
      },
    },
    {
      method: "put",
      path: "/rooms/:room/moderators/:userId",
      handler: async (req, res) => {
        const room = roomParam(req.params.room);
        const userId = userParam(req.params.userId);
        const { name } = optionalBody(req.body);
        if (name !== undefined && !isDisplayName(name)) bad("name must be 1-32 characters, no control characters");
        const added = await moderation.appoint(room, name === undefined ? { userId } : { userId, name: name.trim() }, SITE_ACTOR);
        res.status(added ? 201 : 200).json({ added });
      },
    },
    {
      method: "delete",
      path: "/rooms/:room/moderators/:userId",
      handler: async (req, res) => {
        const room = roomParam(req.params.room);
        if (!(await moderation.dismiss(room, userParam(req.params.userId), SITE_ACTOR))) return notFound(res, "this user is not an appointed moderator of this room");
        res.json({ removed: true });
      },
    },
    {
      method: "get",
      path: "/rooms/:room/moderation-log",
      handler: async (req, res) => {
        const room = roomParam(req.params.room);
        res.json({ entries: await moderation.log(room, logQuery(req.query as Obj)) });
      },
    },
    {
      method: "get",
      path: "/rooms/:room/queue",
      handler: async (req, res) => {
        res.json(await moderation.queue(roomParam(req.params.room)));
      },
    },
    {
      method: "post",
      path: "/rooms/:room/held/:id/approve",
      handler: async (req, res) => {
        const room = roomParam(req.params.room);
        const result = await moderation.approve(room, heldParam(req.params.id), SITE_ACTOR);
        if (!result.approved) return notFound(res, "no such held message (released, approved or denied already)");
        res.json(result);
      },
    },
    {
      method: "post",
      path: "/rooms/:room/held/:id/deny",
      handler: async (req, res) => {
        const room = roomParam(req.params.room);
        const { reason } = optionalBody(req.body);
        if (reason !== undefined && (typeof reason !== "string" || reason.length > 200)) bad("reason must be text of at most 200 characters");
        if (!(await moderation.deny(room, heldParam(req.params.id), SITE_ACTOR, reason || undefined))) return notFound(res, "no such held message (released, approved or denied already)");
        res.json({ denied: true });
      },
    },
    {
      method: "delete",
      path: "/rooms/:room/reports/:id",
      handler: async (req, res) => {
        const room = roomParam(req.params.room);
        if (!(await moderation.dismissReport(room, messageIdParam(req.params.id), SITE_ACTOR))) return notFound(res, "this message is not in the reports queue");
        res.json({ dismissed: true });
      },
    },
    ...termRoutes("/rooms/:room/blocked-terms", (room) => ({ room: roomParam(room) })),
    ...termRoutes("/blocked-terms", () => "site"),
  ];
}
