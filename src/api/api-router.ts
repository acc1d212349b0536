/**
 * The server HTTP API under /api/v1 (docs/api.md): for the site's own backend, authenticated with
 * API keys, doing through {@link RoomService} what the streamer's socket events do, plus system
 * posts, history, bulk viewer counts and disconnecting a user. Every route is documented in the
 * OpenAPI document served at /api/v1/openapi.json (a test keeps the two the same).
 */
import type { MessageArchive } from "../archive/message-archive.js";
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import type { Logger } from "pino";
import { TokenBucket } from "../util/token-bucket.js";
import { toChatMessage } from "../delivery/wire-entries.js";
import { DEFAULT_MESSAGE_MAX_LENGTH, ErrorCode, type ClusterView } from "../protocol/index.js";
import { DEFAULT_SYSTEM_NAME, SYSTEM_USER_ID, type RoomService } from "../rooms/room-service.js";
import { SITE_ACTOR, type ModerationService } from "../moderation/moderation-service.js";
import { moderationRoutes } from "./moderation-routes.js";
import { archiveRoutes } from "./archive-routes.js";
import { apiErrorHandler, notFound, sendError } from "./api-error.js";
import type { Route } from "./api-route.js";
import { ApiKeys, type ApiCaller } from "./api-keys.js";
import {
  messageIdParam,
  parseBanBody,
  parseHistoryQuery,
  parseMuteBody,
  parseOpenBody,
  parseSettingsBody,
  parseSystemPost,
  parseViewersQuery,
  roomParam,
  userParam,
} from "./api-requests.js";
import { openApiDocument } from "./openapi.js";

export interface ApiOptions {
  /** Accepted API keys; none = the API is off (every /api/v1 path answers 404 `not_found`). @default [] */
  keys: string[];
  /** Requests per second per key on this replica. @default 50 */
  ratePerSec: number;
  /** Burst per key. @default 100 */
  rateBurst: number;
  /** Largest JSON body, bytes. @default 16384 */
  maxBodyBytes: number;
  /** Rooms one bulk viewer-count request may name. @default 200 */
  maxViewerRooms: number;
  /** Most messages one history read returns. @default 1000 */
  maxHistoryLimit: number;
  /** Characters of a system message. @default 500 */
  messageMaxLength: number;
}

export const defaultApiOptions: ApiOptions = {
  keys: [],
  ratePerSec: 50,
  rateBurst: 100,
  maxBodyBytes: 16_384,
  maxViewerRooms: 200,
  maxHistoryLimit: 1_000,
  messageMaxLength: DEFAULT_MESSAGE_MAX_LENGTH,
};

export interface ApiDeps {
  rooms: RoomService;
  /** The moderation team's operations (moderators, queue, terms, log). */
  moderation: ModerationService;
  logger: Logger;
  /** Counts requests by route and status. @default none */
  onRequest?: (route: string, status: number) => void;
  /** The cluster view of GET /cluster (src/ops/). @default none: the route answers not_found */
  cluster?: { view(): Promise<ClusterView> };
  /** The durable archive (older pages, replay, export, erasure). @default none */
  archive?: MessageArchive;
}

/** Where the API is mounted; the OpenAPI document's server URL. */
export const API_BASE = "/api/v1";


/** The API's router, to mount at {@link API_BASE}. */
export function createApiRouter(deps: ApiDeps, options: Partial<ApiOptions> = {}): Router {
  const opts = { ...defaultApiOptions, ...options } satisfies ApiOptions;
  const router = express.Router();
  const keys = new ApiKeys(opts.keys);
  if (!keys.enabled) {
    router.use((_req, res) => sendError(res, { code: ErrorCode.NotFound, message: "the HTTP API is off on this server (no API_KEYS configured)" }));
    return router;
  }
  const { rooms } = deps;
  const buckets = new Map<string, TokenBucket>();

  router.use((req, res, next) => {
    res.once("finish", () => deps.onRequest?.(req.route?.path ? String(req.route.path) : "unmatched", res.statusCode));
    next();
  });
  const document = openApiDocument();
  router.get("/openapi.json", (_req, res) => {
    res.json(document);
  });
  router.use((req: Request, res: Response, next: NextFunction) => {
    const caller = keys.check(req.get("authorization"));
    if (!caller) return sendError(res, { code: ErrorCode.Unauthorized, message: "missing or wrong API key (Authorization: Bearer <key>)" });
    let bucket = buckets.get(caller.keyId);
    if (!bucket) buckets.set(caller.keyId, (bucket = new TokenBucket(opts.ratePerSec, opts.rateBurst)));
    const wait = bucket.take();
    if (wait > 0) return sendError(res, { code: ErrorCode.RateLimited, message: "too many requests for this API key; slow down", retryAfterMs: wait });
    (res.locals as { caller?: ApiCaller }).caller = caller;
    next();
  });
  router.use(express.json({ limit: opts.maxBodyBytes }));

  const routes: Route[] = [
    {
      method: "post",
      path: "/rooms/:room/messages",
      handler: async (req, res) => {
        const room = roomParam(req.params.room);
        const post = parseSystemPost(room, req.body, req.get("idempotency-key"), opts.messageMaxLength);
        const { id, duplicate } = await rooms.post(room, post);
        res.status(duplicate ? 200 : 201).json({ id, duplicate });
      },
    },
    {
      method: "get",
      path: "/rooms/:room/history",
      handler: async (req, res) => {
        const room = roomParam(req.params.room);
        const { since, limit } = parseHistoryQuery(req.query as Record<string, unknown>, opts.maxHistoryLimit);
        const h = await rooms.history(room, since, limit);
        res.json({ room, recovered: h.recovered, messages: h.messages.map((m) => toChatMessage(m)) });
      },
    },
    {
      method: "delete",
      path: "/rooms/:room/messages/:id",
      handler: async (req, res) => {
        const room = roomParam(req.params.room);
        if (!(await rooms.remove(room, messageIdParam(req.params.id), undefined, SITE_ACTOR))) return notFound(res, "no such message in this room's history");
        res.json({ deleted: true });
      },
    },
    {
      method: "post",
      path: "/rooms/:room/open",
      handler: async (req, res) => {
        const room = roomParam(req.params.room);
        res.json({ until: await rooms.open(room, parseOpenBody(req.body).durationSec) });
      },
    },
    {
      method: "post",
      path: "/rooms/:room/mutes",
      handler: async (req, res) => {
        const { room, userId, durationSec } = parseMuteBody(roomParam(req.params.room), req.body);
        res.json({ until: await rooms.mute(room, userId, durationSec, SITE_ACTOR) });
      },
    },
    {
      method: "post",
      path: "/rooms/:room/bans",
      handler: async (req, res) => {
        const { room, userId, durationSec } = parseBanBody(roomParam(req.params.room), req.body);
        res.json(await rooms.ban(room, userId, durationSec, SITE_ACTOR));
      },
    },
    {
      method: "delete",
      path: "/rooms/:room/bans/:userId",
      handler: async (req, res) => {
        const room = roomParam(req.params.room);
        if (!(await rooms.unban(room, userParam(req.params.userId), SITE_ACTOR))) return notFound(res, "this user is not banned in this room");
        res.json({ lifted: true });
      },
    },
    {
      method: "post",
      path: "/rooms/:room/clear",
      handler: async (req, res) => {
        const room = roomParam(req.params.room);
        const id = await rooms.clear(room, { user: { id: SYSTEM_USER_ID, name: DEFAULT_SYSTEM_NAME, role: "streamer" }, sender: "", system: true });
        res.json({ id });
      },
    },
    {
      method: "get",
      path: "/rooms/:room/settings",
      handler: async (req, res) => {
        res.json({ settings: await rooms.settings(roomParam(req.params.room)) });
      },
    },
    {
      method: "put",
      path: "/rooms/:room/settings",
      handler: async (req, res) => {
        const { room, ...change } = parseSettingsBody(roomParam(req.params.room), req.body);
        res.json({ settings: await rooms.configure(room, change, SITE_ACTOR) });
      },
    },
    {
      method: "get",
      path: "/viewers",
      handler: async (req, res) => {
        const list = parseViewersQuery(req.query as Record<string, unknown>, opts.maxViewerRooms);
        res.json({ viewers: Object.fromEntries(await rooms.viewers(list)) });
      },
    },
    {
      method: "post",
      path: "/users/:userId/disconnect",
      handler: async (req, res) => {
        res.json({ disconnected: await rooms.disconnect(userParam(req.params.userId)) });
      },
    },
    {
      method: "get",
      path: "/cluster",
      handler: async (_req, res) => {
        if (!deps.cluster) return notFound(res, "this server keeps no cluster view");
        res.setHeader("Cache-Control", "no-store");
        res.json(await deps.cluster.view());
      },
    },
    ...moderationRoutes(deps.moderation),
    ...archiveRoutes(rooms, deps.logger),
  ];
  for (const route of routes) router[route.method](route.path, route.handler);
  router.use((_req, res) => notFound(res, "no such API route"));
  router.use(apiErrorHandler(deps.logger));
  return router;
}
