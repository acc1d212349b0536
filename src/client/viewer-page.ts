/**
 * Viewer page (`/` and `/watch/:room`): pick a name, open one or several rooms as tabs over one
 * connection (one SDK {@link ChatClient}). The name and open rooms survive a reload (see
 * {@link PagePrefs}); each room's last messages and `since` are the SDK's to keep. A signed-in
 * viewer (the site's token in the fragment, `#token=...`: badges, follow date) skips the name.
 */
import { isDisplayName, isRoomId } from "../protocol/index.js";
import { ChatClient, WebStorage } from "../sdk/index.js";
import { showConnectionState } from "./connection-badge.js";
import { byId, h, onValidSubmit } from "./dom.js";
import { PagePrefs } from "./page-prefs.js";
import { RoomPanel } from "./room-panel.js";
import { readClaims } from "./token-claims.js";

const prefs = new PagePrefs(localStorage);
const routeRoom = /^\/watch\/([^/]+)$/.exec(location.pathname)?.[1];

const nameForm = byId<HTMLFormElement>("name-form");
const nameInput = byId<HTMLInputElement>("name");
const chat = byId("chat");

function suggestName(): string {
  return `viewer-${Math.random().toString(36).slice(2, 6)}`;
}

let started = false;

function showChat(): void {
  nameForm.hidden = true;
  chat.hidden = false;
}

function askName(): void {
  nameInput.value = prefs.name ?? suggestName();
  nameForm.hidden = false;
  chat.hidden = true;
  nameInput.select();
}

onValidSubmit(nameForm, nameInput, isDisplayName, "1-32 characters", (name) => {
  const changed = prefs.name !== name;
  prefs.name = name;
  // The name travels in the handshake: a new one needs a new connection, simplest by reloading.
  if (!started) start(name);
  else if (changed) location.reload();
  else showChat();
});

const TOKEN_KEY = "live-chat:token";

/** The site's token for this tab: from the fragment (then out of the address bar), or kept from before. */
function siteToken(): string | undefined {
  const fromFragment = new URLSearchParams(location.hash.slice(1)).get("token") ?? undefined;
  if (fromFragment) {
    history.replaceState(null, "", location.pathname);
    sessionStorage.setItem(TOKEN_KEY, fromFragment);
  }
  return fromFragment ?? sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

/** Tabs, panels and the one connection, once we have a name (or a token). */
function start(name: string, token?: string): void {
  started = true;
  showChat();
  byId("me").textContent = name;
  byId("who").hidden = false;
  byId("connection").hidden = false;
  const changeName = byId("change-name");
  if (token) changeName.hidden = true;
  else changeName.addEventListener("click", askName);

  const client = new ChatClient({
    ...(token ? { token } : { name }),
    self: { id: "self", name, role: "viewer" },
    storage: new WebStorage({ prefix: "live-chat:", store: localStorage }),
    // A person sending too fast is told so at once (with a Retry), rather than left waiting.
    retry: { maxRetryAfterMs: 0 },
  });
  showConnectionState(byId("connection"), client);
  const tabs = byId("tabs");
  const rooms = byId("rooms");
  const panels = new Map<string, { panel: RoomPanel; tab: HTMLElement; unread: HTMLElement; count: number }>();
  let active: string | undefined;

  const persistRooms = () => (prefs.rooms = [...panels.keys()]);

  const select = (room: string) => {
    active = room;
    for (const [id, entry] of panels) {
      const on = id === room;
      entry.panel.element.hidden = !on;
      entry.tab.classList.toggle("active", on);
      entry.tab.setAttribute("aria-selected", String(on));
      if (on) {
        entry.count = 0;
        entry.unread.hidden = true;
      }
    }
    panels.get(room)?.panel.shown();
    history.replaceState(null, "", `/watch/${encodeURIComponent(room)}`);
    byId("empty").hidden = true;
  };

  const close = (room: string) => {
    const entry = panels.get(room);
    if (!entry) return;
    entry.panel.close(true);
    entry.tab.remove();
    panels.delete(room);
    persistRooms();
    const next = panels.keys().next().value;
    if (next !== undefined) select(next);
    else {
      active = undefined;
      history.replaceState(null, "", "/");
      byId("empty").hidden = false;
    }
  };

  const open = (room: string) => {
    if (!panels.has(room)) {
      const panel = new RoomPanel({
        client,
        room: client.room(room),
        activity: (id) => {
          const entry = panels.get(id);
          if (!entry || id === active) return;
          entry.count++;
          entry.unread.textContent = String(entry.count);
          entry.unread.hidden = false;
        },
      });
      const unread = h("span", { className: "unread", attrs: { hidden: "" } });
      const label = h("button", { className: "tab-label", text: `#${room}`, attrs: { type: "button", role: "tab" } }, unread);
      const closeButton = h("button", { className: "tab-close", text: "×", attrs: { type: "button", "aria-label": `Leave #${room}` } });
      const tab = h("span", { className: "tab", dataset: { room } }, label, closeButton);
      label.addEventListener("click", () => select(room));
      closeButton.addEventListener("click", () => close(room));
      tabs.append(tab);
      rooms.append(panel.element);
      panels.set(room, { panel, tab, unread, count: 0 });
      persistRooms();
      panel.open();
    }
    select(room);
  };

  const addForm = byId<HTMLFormElement>("add-room");
  const addInput = byId<HTMLInputElement>("add-room-name");
  onValidSubmit(addForm, addInput, isRoomId, "letters, digits, - and _ (1-64)", (room) => {
    addInput.value = "";
    open(room);
  });

  // The SDK's snapshot timer may not get to run when the page goes away; write it now.
  addEventListener("pagehide", () => client.persist());

  for (const room of prefs.rooms.filter(isRoomId)) open(room);
  if (routeRoom && isRoomId(decodeURIComponent(routeRoom))) open(decodeURIComponent(routeRoom));
  else if (active === undefined) byId("empty").hidden = false;
}

const token = siteToken();
const claimed = token ? readClaims(token) : undefined;
const saved = prefs.name;
if (token && claimed?.name) start(claimed.name, token);
else if (saved !== undefined && isDisplayName(saved)) start(saved);
else askName();
