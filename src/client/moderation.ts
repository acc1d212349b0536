/** The studio's moderation buttons on a message (server additions `chat:delete`, `user:mute`). */
import type { ChatMessage } from "../protocol/index.js";
import type { ChatSession } from "./chat-session.js";
import { clock, h } from "./dom.js";

export interface ModerationDeps {
  session: ChatSession;
  room: string;
  /** How long Mute mutes for. */
  muteSec: number;
  /** The message is gone: the server tells everyone else, not us (the sender). */
  removed(id: string): void;
  /** A line for the room's status: what happened, or why not. */
  report(text: string): void;
}

function button(text: string, label: string, run: () => Promise<void>): HTMLButtonElement {
  const b = h("button", { className: "mod", text, attrs: { type: "button", "aria-label": label } });
  b.addEventListener("click", () => {
    b.disabled = true;
    void run().finally(() => (b.disabled = false));
  });
  return b;
}

/** Delete for any message; Mute too for a viewer's (muting a streamer makes no sense). */
export function moderationButtons(deps: ModerationDeps, msg: ChatMessage): HTMLButtonElement[] {
  const { session, room } = deps;
  const remove = button("Delete", `Delete this message by ${msg.user.name}`, async () => {
    const ack = await session.deleteMessage({ room, id: msg.id });
    if (ack.ok) deps.removed(msg.id);
    else deps.report(`could not delete: ${ack.error.message}`);
  });
  if (msg.user.role !== "viewer") return [remove];
  const minutes = Math.round(deps.muteSec / 60);
  const mute = button(`Mute ${minutes} min`, `Mute ${msg.user.name} for ${minutes} minutes`, async () => {
    const ack = await session.muteUser({ room, userId: msg.user.id, durationSec: deps.muteSec });
    deps.report(ack.ok ? `${msg.user.name} is muted until ${clock(ack.until)}` : `could not mute: ${ack.error.message}`);
  });
  return [remove, mute];
}
