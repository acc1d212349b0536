/** The studio's moderation buttons on a message (server additions `chat:delete`, `user:mute`, `user:ban`). */
import type { ChatMessage, RoomSubscription } from "../sdk/index.js";
import { clock, h } from "./dom.js";
import { banUser } from "./streamer-tools.js";

export interface ModerationDeps {
  room: RoomSubscription;
  /** How long Mute mutes for. */
  muteSec: number;
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

/** Report, for viewers: one click tells the room's moderators (the server bounds reports per user). */
export function reportButton(deps: Pick<ModerationDeps, "room" | "report">, msg: ChatMessage): HTMLButtonElement {
  return button("Report", `Report this message by ${msg.user.name} to the moderators`, () =>
    deps.room.report(msg.id, "reported from the chat").then(
      (reported) => deps.report(reported ? "reported to the moderators" : "you reported this message already"),
      (err: unknown) => deps.report(`could not report: ${err instanceof Error ? err.message : String(err)}`),
    ),
  );
}

/** Delete for any message (the room then says `deleted`); Mute and Ban too for a viewer's (not a streamer's, a moderator's, nor the site's). */
export function moderationButtons(deps: ModerationDeps, msg: ChatMessage): HTMLButtonElement[] {
  const { room } = deps;
  const failed = (what: string) => (err: unknown) => deps.report(`could not ${what}: ${err instanceof Error ? err.message : String(err)}`);
  const remove = button("Delete", `Delete this message by ${msg.user.name}`, () =>
    room.deleteMessage(msg.id).then(() => undefined, failed("delete")),
  );
  if (msg.user.role !== "viewer" || msg.system) return [remove];
  const minutes = Math.round(deps.muteSec / 60);
  const mute = button(`Mute ${minutes} min`, `Mute ${msg.user.name} for ${minutes} minutes`, () =>
    room.mute(msg.user.id, deps.muteSec).then((until) => deps.report(`${msg.user.name} is muted until ${clock(until)}`), failed("mute")),
  );
  const ban = button("Ban", `Ban ${msg.user.name} from this room`, () => banUser(deps, msg.user.id, msg.user.name));
  return [remove, mute, ban];
}
