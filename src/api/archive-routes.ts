/**
 * The HTTP API's reads of a room's whole history and a user's erasure (issue #20; docs/api.md):
 * older pages, replay of a time range and the audit export (NDJSON, streamed), and
 * `DELETE /users/{userId}/messages` for privacy requests. Through RoomService, across the hot
 * window and the archive; without an archive, on the hot window alone.
 */
import type { Logger } from "pino";
import type { ArchivedEntry } from "../archive/message-archive.js";
import { toChatMessage } from "../delivery/wire-entries.js";
import { parseMessagesQuery, parseReplayQuery, type RoomEntry } from "../protocol/index.js";
import type { RoomService } from "../rooms/room-service.js";
import type { Route } from "./api-route.js";
import { roomParam, userParam } from "./api-requests.js";
import { streamNdjson } from "./ndjson.js";

/** An archived entry as a replay or export line: what the wire knows, `deleted` only in exports. */
export function toRoomEntry(e: ArchivedEntry, withDeletion: boolean): RoomEntry {
  const line: RoomEntry = { id: e.id, room: e.room, kind: e.kind, text: e.text, user: e.user, ts: e.ts };
  if (e.system) line.system = true;
  if (e.replyTo) line.replyTo = e.replyTo;
  if (withDeletion && e.deleted) line.deleted = e.deleted;
  return line;
}

export function archiveRoutes(rooms: RoomService, logger: Logger, now: () => number = Date.now): Route[] {
  const failedMidStream = (route: string) => (err: unknown) => logger.warn({ err, route }, "NDJSON stream failed after it started; the response was cut");
  return [
    {
      method: "get",
      path: "/rooms/:room/messages",
      handler: async (req, res) => {
        const room = roomParam(req.params.room);
        const { before, limit } = parseMessagesQuery(req.query as Record<string, unknown>);
        const page = await rooms.older(room, before, limit);
        res.json({ room, messages: page.messages.map((m) => toChatMessage(m)), hasMore: page.hasMore });
      },
    },
    {
      method: "get",
      path: "/rooms/:room/replay",
      handler: async (req, res) => {
        const room = roomParam(req.params.room);
        const { from, to } = parseReplayQuery(req.query as Record<string, unknown>);
        await streamNdjson(res, rooms.replay(room, from, to), (e) => toRoomEntry(e, false)).catch((err: unknown) => {
          if (!res.headersSent) throw err;
          failedMidStream("replay")(err);
        });
      },
    },
    {
      method: "get",
      path: "/rooms/:room/export",
      handler: async (req, res) => {
        const room = roomParam(req.params.room);
        const headers = { "Content-Disposition": `attachment; filename="${room}.ndjson"` };
        await streamNdjson(res, rooms.export(room), (e) => toRoomEntry(e, true), headers).catch((err: unknown) => {
          if (!res.headersSent) throw err;
          failedMidStream("export")(err);
        });
      },
    },
    {
      method: "delete",
      path: "/users/:userId/messages",
      handler: async (req, res) => {
        const userId = userParam(req.params.userId);
        const { archived, live } = await rooms.eraseUser(userId, now());
        res.json({ userId, archived, removed: live });
      },
    },
  ];
}
