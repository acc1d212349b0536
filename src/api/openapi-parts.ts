/** Building blocks of the OpenAPI document (openapi.ts, openapi-moderation.ts). */
import { ROOM_ID_PATTERN } from "../protocol/index.js";

export type Json = Record<string, unknown>;

export const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
export const errorRef = (name: string): Json => ({ $ref: `#/components/responses/${name}` });

export function json(schema: Json, description: string): Json {
  return { description, content: { "application/json": { schema } } };
}

export function body(schema: Json): Json {
  return { required: true, content: { "application/json": { schema } } };
}

/** The error responses every authenticated operation can give, plus the ones named. */
export function errors(...extra: ("BadRequest" | "NotFound" | "Conflict" | "TooLarge")[]): Json {
  const out: Json = { "401": errorRef("Unauthorized"), "429": errorRef("RateLimited"), "503": errorRef("Unavailable") };
  const status = { BadRequest: "400", NotFound: "404", Conflict: "409", TooLarge: "413" } as const;
  for (const name of extra) out[status[name]] = errorRef(name);
  return out;
}

export const roomParam: Json = {
  name: "room",
  in: "path",
  required: true,
  description: "Room id",
  schema: { type: "string", pattern: ROOM_ID_PATTERN.source },
};

export const userParam: Json = {
  name: "userId",
  in: "path",
  required: true,
  description: "User id (a token's `sub`, or an anonymous viewer's `anon-...` id)",
  schema: { type: "string", minLength: 1, maxLength: 128 },
};
