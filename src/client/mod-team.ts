/**
 * The studio's team and log (issue #21): the room's appointed moderators (the streamer appoints
 * and removes them, by user id, one click each; moderators see the list) and the moderation log,
 * newest first, following the team's `log` events.
 */
import type { Moderator, ModerationLogEntry, Role, RoomSubscription } from "../sdk/index.js";
import { clock, h } from "./dom.js";
import { actionButton, busy, type Reporter } from "./mod-actions.js";

export interface ModTeamDeps extends Reporter {
  room: RoomSubscription;
  role: Role;
}

/** The appointed moderators, with the streamer's appoint form and Remove buttons. */
export class ModeratorsEditor {
  readonly element: HTMLElement;
  private readonly list: HTMLUListElement;

  constructor(private readonly deps: ModTeamDeps) {
    this.list = h("ul", { className: "moderators-list", attrs: { "aria-label": "Moderators" } });
    const streamer = deps.role === "streamer";
    let form: HTMLFormElement | undefined;
    if (streamer) {
      const userId = h("input", { className: "moderator-id", attrs: { placeholder: "user id", "aria-label": "User id to appoint", maxlength: "128" } });
      const name = h("input", { className: "moderator-name", attrs: { placeholder: "name (optional)", "aria-label": "Their name", maxlength: "32" } });
      const appoint = h("button", { className: "moderator-add", text: "Appoint", attrs: { type: "submit" } });
      form = h("form", { className: "moderator-form" }, userId, name, appoint);
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const id = userId.value.trim();
        if (!id) return;
        busy(appoint, "appoint", deps, async () => {
          const added = await deps.room.moderation.appoint(id, name.value.trim() || undefined);
          deps.report(added ? `${name.value.trim() || id} is a moderator now` : `${id} was a moderator already`);
          userId.value = "";
          name.value = "";
          await this.load();
        });
      });
    }
    this.element = h("section", { className: "mod-section mod-team" }, h("h2", { text: "Moderators" }), form, this.list);
    deps.room.moderation.on("moderators", ({ moderators }) => this.show(moderators));
  }

  async load(): Promise<void> {
    this.show(await this.deps.room.moderation.moderators());
  }

  private show(moderators: Moderator[]): void {
    const streamer = this.deps.role === "streamer";
    this.list.replaceChildren(
      ...moderators.map((m) =>
        h(
          "li",
          { className: "moderator", dataset: { userId: m.userId } },
          h("span", { className: "moderator-name", text: m.name ?? m.userId }),
          h("span", { className: "moderator-id", text: m.userId }),
          streamer &&
            actionButton("Remove", "moderator-remove", `Remove ${m.name ?? m.userId} as moderator`, this.deps, "remove the moderator", async () => {
              await this.deps.room.moderation.dismiss(m.userId);
              await this.load();
            }),
        ),
      ),
    );
    if (moderators.length === 0) this.list.append(h("li", { className: "moderators-empty", text: "No appointed moderators." }));
  }
}

const ACTION_TEXT: Record<ModerationLogEntry["action"], string> = {
  delete: "deleted a message",
  mute: "muted",
  ban: "banned",
  unban: "lifted the ban of",
  clear: "cleared the chat",
  configure: "changed the settings",
  moderator_add: "appointed",
  moderator_remove: "removed as moderator",
  held_approve: "approved a held message of",
  held_deny: "denied a held message of",
  report_dismiss: "dismissed the reports of a message",
  term_add: "blocked the term",
  term_remove: "unblocked the term",
};

/** One log entry as a line: "14:03 Mo banned troll (spam) · 60 s". */
function logLine(e: ModerationLogEntry): HTMLLIElement {
  const target = e.target?.term ? `"${e.target.term}"` : (e.target?.userId ?? "");
  return h(
    "li",
    { className: `log-entry log-${e.action}`, dataset: { action: e.action } },
    h("time", { text: clock(e.at), attrs: { datetime: new Date(e.at).toISOString() } }),
    h("span", { className: "log-by", text: e.by.system ? "the site" : e.by.name }),
    ` ${ACTION_TEXT[e.action] ?? e.action} ${target}`,
    e.reason && h("span", { className: "log-reason", text: ` (${e.reason})` }),
    e.detail && h("span", { className: "log-detail", text: ` · ${e.detail}` }),
  );
}

/** The moderation log, newest first. */
export class ModLog {
  readonly element: HTMLElement;
  private readonly list: HTMLOListElement;

  constructor(private readonly deps: ModTeamDeps) {
    this.list = h("ol", { className: "log-list", attrs: { "aria-label": "Moderation log" } });
    this.element = h("section", { className: "mod-section mod-log" }, h("h2", { text: "Moderation log" }), this.list);
    deps.room.moderation.on("log", ({ entry }) => {
      this.list.prepend(logLine(entry));
      while (this.list.children.length > 100) this.list.lastElementChild?.remove();
    });
  }

  async load(): Promise<void> {
    this.list.replaceChildren(...(await this.deps.room.moderation.log({ limit: 50 })).map(logLine));
  }
}
