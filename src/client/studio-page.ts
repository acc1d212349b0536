/**
 * Studio page (`/studio/:room`), for the room's streamer and its moderators: connect with a token
 * (pasted, or handed over in the URL fragment `#token=...`, which never reaches a server log),
 * follow the chat and moderate it (delete, mute, ban, slow mode, clear), work the review queue,
 * the chat modes, the blocked terms and the log; the streamer also posts pinned notices and
 * appoints moderators. Who is what is the server's answer (the join's `role`), not the page's guess.
 */
import { isRoomId } from "../protocol/index.js";
import { ChatClient, WebStorage } from "../sdk/index.js";
import { showConnectionState } from "./connection-badge.js";
import { byId } from "./dom.js";
import { RoomPanel } from "./room-panel.js";
import { teamPanel } from "./team-panel.js";
import { readClaims } from "./token-claims.js";

const room = decodeURIComponent(/^\/studio\/([^/]+)$/.exec(location.pathname)?.[1] ?? "");
const tokenKey = `live-chat-studio:token:${room}`;
const tokenForm = byId<HTMLFormElement>("token-form");
const tokenInput = byId<HTMLTextAreaElement>("token");
const tokenError = byId("token-error");

byId("studio-room").textContent = `#${room}`;

function fromFragment(): string | undefined {
  const token = new URLSearchParams(location.hash.slice(1)).get("token") ?? undefined;
  // Out of the address bar (and so out of screenshots and history) as soon as it is read.
  if (token) history.replaceState(null, "", location.pathname);
  return token;
}

/**
 * Checks the claims we can read before connecting; the server has the final word (an appointed
 * moderator's token names nothing: only the join says they moderate the room).
 */
function problemWith(token: string): string | undefined {
  const claims = readClaims(token);
  if (!claims) return "That does not look like a token.";
  if (claims.exp !== undefined && claims.exp * 1000 < Date.now()) return "This token has expired.";
  return undefined;
}

function askToken(message?: string): void {
  tokenForm.hidden = false;
  byId("studio").hidden = true;
  tokenError.textContent = message ?? "";
}

function start(token: string): void {
  const claims = readClaims(token);
  tokenForm.hidden = true;
  byId("studio").hidden = false;
  byId("me").textContent = claims?.name ?? "streamer";
  // Only this tab keeps it: a token is a credential.
  sessionStorage.setItem(tokenKey, token);

  const name = claims?.name ?? "streamer";
  const owner = claims?.role === "streamer" && claims.rooms?.includes(room) === true;
  const client = new ChatClient({
    token,
    self: { id: claims?.sub ?? "self", name, role: owner ? "streamer" : "moderator" },
    storage: new WebStorage({ prefix: "live-chat-studio:", store: localStorage }),
    retry: { maxRetryAfterMs: 0 },
  });
  byId("connection").hidden = false;
  showConnectionState(byId("connection"), client);
  const sub = client.room(room);
  const panel = new RoomPanel({ client, room: sub }, { kinds: owner ? ["notice", "chat"] : ["chat"], muteSec: 600, streamerTools: true });
  byId("rooms").append(panel.element);
  panel.open();
  panel.shown();
  const status = (text: string) => panel.report(text);
  let team: ReturnType<typeof teamPanel> | undefined;
  const showTeam = (role: string) => {
    const note = byId("team-note");
    note.hidden = role !== "viewer";
    if (role === "viewer") {
      team?.element.remove();
      team = undefined;
      byId("studio-role").textContent = "";
      note.textContent = `This token cannot moderate #${room}: its streamer has not appointed you (yet).`;
      return;
    }
    byId("studio-role").textContent = role;
    if (team) return;
    team = teamPanel({ room: sub, role: role as "streamer" | "moderator", report: status });
    byId("team").append(team.element);
    void team.load().catch((err: unknown) => status(`could not load the queue: ${err instanceof Error ? err.message : String(err)}`));
  };
  sub.on("role", ({ role }) => showTeam(role));
  // After a reconnect the queue may have changed while we were away: read it again.
  sub.on("joined", ({ refill }) => {
    if (!refill && team) void team.load().catch(() => undefined);
  });
  addEventListener("pagehide", () => client.persist());
  client.on("state", ({ state }) => {
    if (state !== "refused") return;
    sessionStorage.removeItem(tokenKey);
    panel.close(false);
    client.close();
    askToken(`The server refused this token (${client.refusal ?? "unauthorized"}).`);
  });
}

tokenForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const token = tokenInput.value.trim();
  const problem = problemWith(token);
  if (problem) return askToken(problem);
  tokenInput.value = "";
  start(token);
});

if (!isRoomId(room)) {
  askToken("Bad room id in the address.");
  tokenForm.querySelector("button")?.setAttribute("disabled", "");
} else {
  const token = fromFragment() ?? sessionStorage.getItem(tokenKey) ?? undefined;
  const problem = token ? problemWith(token) : undefined;
  if (token && !problem) start(token);
  else askToken(problem);
}
