import type { ChatClient, ConnectionState } from "../sdk/index.js";
import { h } from "./dom.js";

const LABEL: Record<ConnectionState, string> = {
  connecting: "connecting…",
  connected: "connected",
  reconnecting: "reconnecting…",
  offline: "offline",
  refused: "refused",
};

/**
 * Keeps `el` showing the client's connection state (text for people, data-state for styles and
 * tests). Offline, it offers a Reconnect: after the server ended the connection nothing retries.
 */
export function showConnectionState(el: HTMLElement, client: ChatClient): void {
  const show = (state: ConnectionState) => {
    el.dataset.state = state;
    el.textContent = state === "refused" && client.refusal ? `refused: ${client.refusal}` : LABEL[state];
    if (state === "offline") {
      const again = h("button", { className: "link reconnect", text: "reconnect", attrs: { type: "button" } });
      again.addEventListener("click", () => client.connect());
      el.append(" · ", again);
    }
  };
  show(client.state);
  client.on("state", ({ state }) => show(state));
}
