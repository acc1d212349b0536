/**
 * The studio's room tools (server additions `room:configure`, `chat:clear`, `user:ban`,
 * `user:unban`): slow mode, clear chat, and ban or unban by user id. They only call the room's
 * subscription; what changes reaches the page through its events like anyone's.
 */
import type { RoomSubscription } from "../sdk/index.js";
import { clock, h } from "./dom.js";

/** Slow-mode choices, seconds (0 = off); the server takes any whole number from 0 to 300. */
export const SLOW_MODE_CHOICES = [0, 5, 10, 30, 60, 120, 300];

export interface StreamerToolsDeps {
  room: RoomSubscription;
  /** A line for the room's status: what happened, or why not. */
  report(text: string): void;
}

const failed = (deps: StreamerToolsDeps, what: string) => (err: unknown) =>
  deps.report(`could not ${what}: ${err instanceof Error ? err.message : String(err)}`);

/** Disables `control` while `run` is in flight. */
function busy(control: HTMLButtonElement | HTMLSelectElement, run: () => Promise<void>): void {
  control.disabled = true;
  void run().finally(() => (control.disabled = false));
}

export function slowModeLabel(sec: number): string {
  return sec === 0 ? "Off" : sec < 60 ? `${sec} s` : `${sec / 60} min`;
}

export function streamerTools(deps: StreamerToolsDeps): HTMLElement {
  const { room } = deps;
  const slow = h(
    "select",
    { className: "slow-mode-select", attrs: { "aria-label": "Slow mode" } },
    ...SLOW_MODE_CHOICES.map((sec) => h("option", { text: slowModeLabel(sec), attrs: { value: String(sec) } })),
  );
  const showSettings = () => (slow.value = String(room.settings?.slowModeSec ?? 0));
  room.on("settings", showSettings);
  showSettings();
  slow.addEventListener("change", () =>
    busy(slow, () =>
      room.configure({ slowModeSec: Number(slow.value) }).then(
        ({ slowModeSec }) => deps.report(slowModeSec === 0 ? "slow mode is off" : `slow mode: one message every ${slowModeLabel(slowModeSec)}`),
        (err: unknown) => {
          showSettings();
          failed(deps, "change slow mode")(err);
        },
      ),
    ),
  );

  const clear = h("button", { className: "clear-chat", text: "Clear chat", attrs: { type: "button" } });
  clear.addEventListener("click", () => {
    if (!confirm(`Clear the chat of #${room.id} for everyone?`)) return;
    busy(clear, () => room.clear().then(() => deps.report("chat cleared"), failed(deps, "clear the chat")));
  });

  const userId = h("input", { className: "ban-user", attrs: { placeholder: "user id", "aria-label": "User id to ban or unban", maxlength: "128" } });
  const ban = h("button", { className: "ban", text: "Ban", attrs: { type: "button" } });
  const unban = h("button", { className: "unban", text: "Unban", attrs: { type: "button" } });
  const target = () => userId.value.trim();
  ban.addEventListener("click", () => {
    const id = target();
    if (id) busy(ban, () => banUser(deps, id, id));
  });
  unban.addEventListener("click", () => {
    const id = target();
    if (!id) return;
    busy(unban, () => room.unban(id).then((lifted) => deps.report(lifted ? `${id} may join again` : `${id} was not banned`), failed(deps, "unban")));
  });

  return h(
    "div",
    { className: "streamer-tools" },
    h("label", { className: "tool" }, "Slow mode ", slow),
    clear,
    h("span", { className: "tool ban-form" }, userId, ban, unban),
  );
}

/** Bans a user id until lifted, and says so (also for the Ban button on a message). */
export function banUser(deps: StreamerToolsDeps, userId: string, name: string): Promise<void> {
  return deps.room.ban(userId).then(
    (until) => deps.report(until === null ? `${name} is banned (until you unban them)` : `${name} is banned until ${clock(until)}`),
    failed(deps, "ban"),
  );
}
