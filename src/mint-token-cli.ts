/**
 * Mints a signed token from AUTH_SECRET:
 *   npm run token -- --room r1 --name Alice [--room r2] [--sub alice] [--role viewer] [--ttl 3600]
 *     [--mod r3] [--badge subscriber] [--followed-days 30 | --followed-at <unix seconds>]
 */
import { parseArgs } from "node:util";
import { loadConfig } from "./config.js";
import { BADGE_PATTERN, MAX_BADGES, isDisplayName, isRoomId } from "./protocol/index.js";
import { mintToken } from "./auth/token.js";

function fail(message: string): never {
  console.error(`token: ${message}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    room: { type: "string", multiple: true, default: [] },
    name: { type: "string" },
    sub: { type: "string" },
    role: { type: "string", default: "streamer" },
    ttl: { type: "string", default: "43200" },
    mod: { type: "string", multiple: true, default: [] },
    badge: { type: "string", multiple: true, default: [] },
    "followed-at": { type: "string" },
    "followed-days": { type: "string" },
  },
});

const secret = (() => {
  try {
    return loadConfig().authSecret;
  } catch (err) {
    fail((err as Error).message);
  }
})();
if (!secret) fail("AUTH_SECRET is not set (the server must run with the same secret)");
if (!isDisplayName(values.name)) fail("--name is required (1-32 characters)");
if (values.role !== "streamer" && values.role !== "viewer") fail("--role must be streamer or viewer");
const rooms = values.room ?? [];
for (const r of rooms) if (!isRoomId(r)) fail(`bad room id "${r}"`);
if (values.role === "streamer" && rooms.length === 0) fail("a streamer token needs at least one --room");
const ttlSec = Number(values.ttl);
if (!Number.isInteger(ttlSec) || ttlSec <= 0) fail("--ttl must be a positive number of seconds");
const mod = values.mod ?? [];
for (const r of mod) if (!isRoomId(r)) fail(`bad --mod room id "${r}"`);
const badges = values.badge ?? [];
if (badges.length > MAX_BADGES || !badges.every((b) => BADGE_PATTERN.test(b))) fail(`--badge takes up to ${MAX_BADGES} words of a-z 0-9 _ - (1-32 characters)`);
let followedAt: number | undefined;
if (values["followed-at"] !== undefined) followedAt = Number(values["followed-at"]);
if (values["followed-days"] !== undefined) followedAt = Math.floor(Date.now() / 1000 - Number(values["followed-days"]) * 86_400);
if (followedAt !== undefined && (!Number.isFinite(followedAt) || followedAt < 0)) fail("--followed-at takes unix seconds, --followed-days a number of days");

const token = await mintToken(
  {
    sub: values.sub ?? `streamer-${values.name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`,
    name: values.name,
    role: values.role,
    rooms,
    ttlSec,
    ...(mod.length > 0 ? { mod } : {}),
    ...(badges.length > 0 ? { badges } : {}),
    ...(followedAt !== undefined ? { followedAt } : {}),
  },
  secret,
);
console.log(token);
