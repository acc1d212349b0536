/**
 * Streamer page (`/studio/:room`): connect with a streamer token (pasted, or handed over in the
 * URL fragment `#token=...`, which never reaches a server log), post pinned notices, follow the chat,
 * moderate it (delete, mute, ban, slow mode, clear).
 */
import { isRoomId } from "../protocol/index.js";
import { ChatClient, WebStorage } from "../sdk/index.js";
import { showConnectionState } from "./connection-badge.js";
import { byId } from "./dom.js";
import { RoomPanel } from "./room-panel.js";
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

/** Checks the claims we can read before connecting; the server has the final word. */
function problemWith(token: string): string | undefined {
  const claims = readClaims(token);
  if (!claims) return "That does not look like a token.";
  if (claims.role !== "streamer") return "This token is not a streamer token.";
  if (!claims.rooms?.includes(room)) return `This token does not own #${room}.`;
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
  const client = new ChatClient({
    token,
    self: { id: claims?.sub ?? "self", name, role: "streamer" },
    storage: new WebStorage({ prefix: "live-chat-studio:", store: localStorage }),
    retry: { maxRetryAfterMs: 0 },
  });
  byId("connection").hidden = false;
  showConnectionState(byId("connection"), client);
  const panel = new RoomPanel({ client, room: client.room(room) }, { kinds: ["notice", "chat"], muteSec: 600, streamerTools: true });
  byId("rooms").append(panel.element);
  panel.open();
  panel.shown();
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
