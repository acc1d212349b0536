import type { ChatSession, ConnectionState } from "./chat-session.js";

const LABEL: Record<ConnectionState, string> = {
  connecting: "connecting…",
  connected: "connected",
  reconnecting: "reconnecting…",
  offline: "offline",
  refused: "refused",
};

/** Keeps `el` showing the session's connection state (text for people, data-state for styles and tests). */
export function showConnectionState(el: HTMLElement, session: ChatSession): void {
  session.onState((state) => {
    el.dataset.state = state;
    el.textContent = state === "refused" && session.refusal ? `refused: ${session.refusal}` : LABEL[state];
  });
}
