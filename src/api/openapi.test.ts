/** The OpenAPI document is valid OpenAPI 3.1 and lists exactly the routes the API mounts. */
import { Validator } from "@seriousme/openapi-schema-validator";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbedded, type EmbeddedServer } from "../../test/support/embedded-server.js";
import type { RoomService } from "../rooms/room-service.js";
import type { ModerationService } from "../moderation/moderation-service.js";
import { createApiRouter } from "./api-router.js";
import { openApiDocument } from "./openapi.js";

const KEY = "site-backend-key-0001";
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
/** GET routes that take no parameter to get wrong: they answer 200. */
const WITHOUT_PARAMETERS = ["/openapi.json", "/cluster", "/blocked-terms"];

type Doc = { paths: Record<string, Record<string, unknown>> };

/** "METHOD /path/{param}" for every operation of the document. */
function documented(doc: Doc): string[] {
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).filter((k) => METHODS.includes(k)).map((m) => `${m.toUpperCase()} ${path}`));
}

/** The same for the routes the router mounts (Express 5 keeps them on its stack), with `:param` as `{param}`. */
function mounted(): string[] {
  const router = createApiRouter({ rooms: {} as RoomService, moderation: {} as ModerationService, logger: pino({ level: "silent" }) }, { keys: [KEY] }) as unknown as {
    stack: { route?: { path: string; methods: Record<string, boolean> } }[];
  };
  return router.stack.flatMap((layer) =>
    layer.route ? Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, "{$1}")}`) : [],
  );
}

let srv: EmbeddedServer;
beforeAll(async () => {
  srv = await startEmbedded({ api: { keys: [KEY] } });
});
afterAll(async () => {
  await srv.close();
});

describe("OpenAPI document", () => {
  it("is valid OpenAPI 3.1, and is what /api/v1/openapi.json serves (without a key)", async () => {
    const doc = openApiDocument();
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    const served = await fetch(`${srv.url}/api/v1/openapi.json`);
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it("the validator catches a broken document (so the check above means something)", async () => {
    const broken = JSON.parse(JSON.stringify(openApiDocument())) as Doc & Record<string, unknown>;
    (broken.paths["/viewers"]!.get as Record<string, unknown>).responses = "none";
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it("documents every mounted route and nothing else", () => {
    const routes = mounted();
    expect(routes.length).toBeGreaterThan(10);
    expect([...documented(openApiDocument() as Doc)].sort()).toEqual([...routes].sort());
  });

  it("every documented operation is reachable under /api/v1 on a running server", async () => {
    for (const op of documented(openApiDocument() as Doc)) {
      const [method, path] = op.split(" ") as [string, string];
      // Parameters that fail validation: the route answers 400 from its handler, changing nothing;
      // an unmounted one would be 404 "no such API route".
      // A term of only a zero-width space has no visible character.
      const url = path.replace("{room}", "not%20a%20room").replace("{id}", "x").replace("{userId}", "u".repeat(129)).replace("{term}", "%E2%80%8B");
      const res = await fetch(`${srv.url}/api/v1${url}`, {
        method,
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: method === "GET" ? undefined : "{}",
      });
      expect(res.status, op).toBe(WITHOUT_PARAMETERS.includes(path) ? 200 : 400);
    }
  });
});
