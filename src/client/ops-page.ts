/**
 * The cluster page (`/ops`): the operator enters an API key (kept in this tab's sessionStorage
 * only), the page polls GET /api/v1/cluster every 2 s and shows the replicas, totals, charts and
 * top rooms. A refused key asks again; an outage keeps the last view on screen, marked stale.
 */
import { byId } from "./dom.js";
import { fetchClusterView } from "./ops-fetch.js";
import { ClusterHistory } from "./ops-history.js";
import { OpsView } from "./ops-view.js";

const KEY_STORAGE = "live-chat-ops:api-key";
const POLL_MS = 2_000;
/** Without a good answer for this long the view on screen is marked stale. */
const STALE_MS = 6_000;

const form = byId<HTMLFormElement>("key-form");
const keyInput = byId<HTMLInputElement>("api-key");
const keyError = byId("key-error");
const main = byId("ops");
const feed = byId("feed");
const problem = byId("problem");

let view: OpsView | undefined;
let history = new ClusterHistory();
let session = 0;
let timer: number | undefined;
let lastGood = 0;

function showFeed(state: "connected" | "reconnecting" | "offline", text: string): void {
  feed.hidden = false;
  feed.dataset.state = state;
  feed.textContent = text;
}

function askKey(message = ""): void {
  session++;
  clearTimeout(timer);
  sessionStorage.removeItem(KEY_STORAGE);
  form.hidden = false;
  main.hidden = true;
  feed.hidden = true;
  byId("signed-in").hidden = true;
  keyError.textContent = message;
  keyInput.focus();
}

function start(key: string): void {
  const mine = ++session;
  history = new ClusterHistory();
  lastGood = 0;
  form.hidden = true;
  main.hidden = false;
  byId("signed-in").hidden = false;
  view ??= new OpsView();
  showFeed("reconnecting", "loading…");

  const poll = async () => {
    const outcome = await fetchClusterView(key);
    if (mine !== session) return; // signed out, or another key, meanwhile
    const now = Date.now();
    let wait = POLL_MS;
    if (outcome.ok) {
      // Kept only once the server took it: a wrong key never outlives its first answer.
      sessionStorage.setItem(KEY_STORAGE, key);
      lastGood = now;
      history.add(outcome.view, now);
      view!.render(outcome.view, history, now);
      problem.hidden = true;
      main.classList.remove("stale");
      showFeed("connected", "live");
      byId("updated").textContent = `updated ${new Date(now).toLocaleTimeString()}`;
    } else if (outcome.kind === "key" || outcome.kind === "off") {
      return askKey(outcome.message);
    } else {
      wait = Math.max(POLL_MS, outcome.retryAfterMs ?? 0);
      problem.hidden = false;
      problem.textContent = lastGood > 0 ? `${outcome.message} Showing the view of ${new Date(lastGood).toLocaleTimeString()}.` : outcome.message;
      const stale = lastGood === 0 || now - lastGood > STALE_MS;
      main.classList.toggle("stale", stale);
      showFeed(stale ? "offline" : "reconnecting", stale ? "stale" : "retrying");
    }
    timer = window.setTimeout(() => void poll(), wait);
  };
  void poll();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const key = keyInput.value.trim();
  if (!key) return askKey("Enter an API key.");
  keyInput.value = "";
  start(key);
});
byId("sign-out").addEventListener("click", () => askKey("Key forgotten in this tab."));

const saved = sessionStorage.getItem(KEY_STORAGE);
if (saved) start(saved);
else askKey();
