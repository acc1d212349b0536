import type { ChatSession, ConnectionState } from "./chat-session.js";
import { h } from "./dom.js";

const LABEL: Record<ConnectionState, string> = {
  connecting: "connecting…",
  connected: "connected",
  reconnecting: "reconnecting…",
  offline: "offline",
  refused: "refused",
};

/**
 * Keeps `el` showing the session's connection state (text for people, data-state for styles and
 * tests). Offline, it offers a Reconnect: after the server ended the connection nothing retries.
 */
export function showConnectionState(el: HTMLElement, session: ChatSession): void {
  session.onState((state) => {
    el.dataset.state = state;
    el.textContent = state === "refused" && session.refusal ? `refused: ${session.refusal}` : LABEL[state];
    if (state === "offline") {
      const again = h("button", { className: "link reconnect", text: "reconnect", attrs: { type: "button" } });
      again.addEventListener("click", () => session.reconnect());
      el.append(" · ", again);
    }
  });
}
