/**
 * One chat line as the pages draw it: who wrote it (their role in the room and the badges the
 * site gave them), what it replies to, its kind and time. Everything through `textContent` (dom.ts).
 */
import type { ReplyRef, User } from "../sdk/index.js";
import { clock, h } from "./dom.js";

export interface RowView {
  kind: string;
  /** Who wrote it; undefined for our own message ("You"). */
  user?: User;
  text: string;
  ts: number;
  system?: true;
  replyTo?: ReplyRef;
}

/** Badges a page shows with names it knows, and the class each gets; others show as they are. */
const KNOWN_BADGES: Record<string, string> = { subscriber: "sub", vip: "vip" };

function authorBadges(user: User | undefined, system: boolean): HTMLElement[] {
  if (!user) return [];
  if (system) return [h("span", { className: "badge badge-system", text: "site" })];
  const out: HTMLElement[] = [];
  if (user.role === "streamer") out.push(h("span", { className: "badge badge-streamer", text: "streamer" }));
  if (user.role === "moderator") out.push(h("span", { className: "badge badge-mod", text: "mod" }));
  for (const badge of user.badges ?? []) {
    out.push(h("span", { className: `badge badge-user badge-${KNOWN_BADGES[badge] ?? "other"}`, text: badge, dataset: { badge } }));
  }
  return out;
}

/** The line that says what a message replies to: "↪ Name: excerpt". */
export function replyLine(reply: ReplyRef): HTMLElement {
  return h(
    "span",
    { className: "msg-reply", attrs: { title: `In reply to ${reply.user.name}` } },
    "↪ ",
    h("span", { className: "reply-name", text: reply.user.name }),
    ": ",
    h("span", { className: "reply-excerpt", text: reply.excerpt }),
  );
}

export function messageRow(view: RowView): HTMLLIElement {
  const row = h(
    "li",
    { className: `msg kind-${view.kind}` },
    view.replyTo && replyLine(view.replyTo),
    h(
      "span",
      { className: "msg-meta" },
      h("span", { className: "msg-name", text: view.user?.name ?? "You" }),
      ...authorBadges(view.user, view.system === true),
      view.kind === "question" && h("span", { className: "badge badge-question", text: "Question" }),
      view.kind === "notice" && h("span", { className: "badge badge-notice", text: "Notice" }),
      h("time", { text: clock(view.ts), attrs: { datetime: new Date(view.ts).toISOString() } }),
    ),
    h("span", { className: "msg-text", text: view.text }),
  );
  if (view.system) row.classList.add("system");
  if (view.user?.role === "moderator") row.classList.add("by-mod");
  return row;
}
