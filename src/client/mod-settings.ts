/**
 * The studio's chat modes and blocked terms (issue #21): subscribers-only, followers-only with a
 * minimum follow age, unique chat and the non-moderator delay, each one control that changes one
 * setting; the room's blocked terms, added and removed with one click. Both follow what the room
 * says (`settings`, the team's `terms` event), whoever changed it.
 */
import type { BlockedTerm, ConfigureRequest, RoomSettings, RoomSubscription } from "../sdk/index.js";
import { h } from "./dom.js";
import { actionButton, busy, type Reporter } from "./mod-actions.js";

export interface ModSettingsDeps extends Reporter {
  room: RoomSubscription;
}

/** Follow ages offered for followers-only, seconds. */
const FOLLOW_AGES: [number, string][] = [
  [0, "any follower"],
  [600, "10 min"],
  [3_600, "1 h"],
  [86_400, "1 day"],
  [604_800, "1 week"],
];
/** Delays offered, seconds (0 = off). */
const DELAYS = [0, 2, 5, 10];

function checkbox(className: string, label: string): { box: HTMLInputElement; element: HTMLLabelElement } {
  const box = h("input", { className, attrs: { type: "checkbox" } });
  return { box, element: h("label", { className: "tool" }, box, ` ${label}`) };
}

/** The chat modes' controls. */
export function modeControls(deps: ModSettingsDeps): HTMLElement {
  const { room } = deps;
  const subs = checkbox("mode-subscribers", "Subscribers-only");
  const followers = checkbox("mode-followers", "Followers-only");
  const followAge = h("select", { className: "mode-follow-age", attrs: { "aria-label": "Minimum follow age" } }, ...FOLLOW_AGES.map(([sec, text]) => h("option", { text, attrs: { value: String(sec) } })));
  const unique = checkbox("mode-unique", "Unique chat");
  const delay = h("select", { className: "mode-delay", attrs: { "aria-label": "Delay" } }, ...DELAYS.map((sec) => h("option", { text: sec === 0 ? "No delay" : `Delay ${sec} s`, attrs: { value: String(sec) } })));
  // A control being changed (disabled until its answer) keeps what the person chose meanwhile.
  const set = (control: HTMLInputElement | HTMLSelectElement, apply: () => void) => !control.disabled && apply();
  const show = (s: RoomSettings | undefined) => {
    set(subs.box, () => (subs.box.checked = s?.subscribersOnly === true));
    set(followers.box, () => (followers.box.checked = s?.followersOnlySec !== undefined));
    set(followAge, () => (followAge.value = String(s?.followersOnlySec ?? 0)));
    set(unique.box, () => (unique.box.checked = s?.uniqueChat === true));
    set(delay, () => (delay.value = String(s?.delaySec ?? 0)));
  };
  room.on("settings", ({ settings }) => show(settings));
  show(room.settings);
  const change = (control: HTMLInputElement | HTMLSelectElement, what: string, make: () => Omit<ConfigureRequest, "room">) =>
    control.addEventListener("change", () =>
      busy(control, what, deps, async () => {
        try {
          await room.configure(make());
          deps.report(`${what}: done`);
        } finally {
          // Enabled again first, so the room's settings (the answer, or a failure's old ones) show.
          control.disabled = false;
          show(room.settings);
        }
      }),
    );
  change(subs.box, "subscribers-only", () => ({ subscribersOnly: subs.box.checked }));
  change(followers.box, "followers-only", () => ({ followersOnlySec: followers.box.checked ? Number(followAge.value) : null }));
  change(followAge, "followers-only", () => ({ followersOnlySec: Number(followAge.value) }));
  change(unique.box, "unique chat", () => ({ uniqueChat: unique.box.checked }));
  change(delay, "delay", () => ({ delaySec: Number(delay.value) }));
  return h("section", { className: "mod-section mod-modes" }, h("h2", { text: "Chat modes" }), subs.element, h("span", { className: "tool" }, followers.element, followAge), unique.element, delay);
}

/** The room's blocked terms: the list with × each, and a form to add one. */
export class TermsEditor {
  readonly element: HTMLElement;
  private readonly list: HTMLUListElement;

  constructor(private readonly deps: ModSettingsDeps) {
    this.list = h("ul", { className: "terms-list", attrs: { "aria-label": "Blocked terms" } });
    const term = h("input", { className: "term-text", attrs: { placeholder: "term", "aria-label": "Blocked term", maxlength: "100" } });
    const action = h("select", { className: "term-action", attrs: { "aria-label": "What the term does" } }, h("option", { text: "block", attrs: { value: "block" } }), h("option", { text: "hold for review", attrs: { value: "hold" } }));
    const match = h("select", { className: "term-match", attrs: { "aria-label": "How it matches" } }, h("option", { text: "whole word", attrs: { value: "word" } }), h("option", { text: "anywhere", attrs: { value: "substring" } }));
    const add = h("button", { className: "term-add", text: "Add", attrs: { type: "submit" } });
    const form = h("form", { className: "term-form" }, term, action, match, add);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = term.value.trim();
      if (!text) return;
      busy(add, "add the term", deps, async () => {
        const added = await deps.room.moderation.addTerm(text, action.value as "block" | "hold", match.value as "word" | "substring");
        term.value = "";
        deps.report(`"${added.term}" ${added.action === "block" ? "is blocked" : "holds messages for review"}`);
        await this.load();
      });
    });
    this.element = h("section", { className: "mod-section mod-terms" }, h("h2", { text: "Blocked terms" }), form, this.list);
    deps.room.moderation.on("terms", ({ terms }) => this.show(terms));
  }

  async load(): Promise<void> {
    this.show(await this.deps.room.moderation.terms());
  }

  private show(terms: BlockedTerm[]): void {
    this.list.replaceChildren(
      ...terms.map((t) =>
        h(
          "li",
          { className: `term term-${t.action}`, dataset: { term: t.term } },
          h("span", { className: "term-text", text: t.term }),
          h("span", { className: "term-rule", text: `${t.action === "block" ? "block" : "hold"} · ${t.match === "word" ? "word" : "anywhere"}` }),
          actionButton("×", "term-remove link", `Remove the term ${t.term}`, this.deps, "remove the term", async () => {
            await this.deps.room.moderation.removeTerm(t.term);
            await this.load();
          }),
        ),
      ),
    );
  }
}
