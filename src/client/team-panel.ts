/**
 * The studio's side of a room for its team (issue #21): the review queue, the chat modes, the
 * blocked terms, the moderators and the log. Built once the room says our role is streamer or
 * moderator; each part loads what the server has and then follows the team's events.
 */
import type { Role, RoomSubscription } from "../sdk/index.js";
import { h } from "./dom.js";
import type { Reporter } from "./mod-actions.js";
import { ModQueue } from "./mod-queue.js";
import { modeControls, TermsEditor } from "./mod-settings.js";
import { ModeratorsEditor, ModLog } from "./mod-team.js";

export interface TeamPanelDeps extends Reporter {
  room: RoomSubscription;
  role: Role;
}

export interface TeamPanel {
  element: HTMLElement;
  /** Reads the queue, terms, moderators and log (again after a reconnect). */
  load(): Promise<void>;
}

export function teamPanel(deps: TeamPanelDeps): TeamPanel {
  const queue = new ModQueue(deps);
  const terms = new TermsEditor(deps);
  const moderators = new ModeratorsEditor(deps);
  const log = new ModLog(deps);
  const element = h(
    "aside",
    { className: "team-panel", dataset: { room: deps.room.id, role: deps.role }, attrs: { "aria-label": "Moderation" } },
    queue.element,
    modeControls(deps),
    terms.element,
    moderators.element,
    log.element,
  );
  return {
    element,
    async load() {
      await Promise.all([queue.load(), terms.load(), moderators.load(), log.load()]);
    },
  };
}
