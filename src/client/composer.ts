import { h } from "./dom.js";
import { replyLine } from "./message-row.js";
import type { OutgoingKind, ReplyRef } from "../sdk/index.js";

export interface ComposerOptions {
  room: string;
  /** What can be sent; with more than one, a select picks the kind. */
  kinds: OutgoingKind[];
  /** Characters per message, as the server's limit. */
  maxLength: number;
}

const KIND_LABEL: Record<OutgoingKind, string> = { chat: "Chat", question: "Question", notice: "Pinned notice" };

export interface Composer {
  element: HTMLFormElement;
  /** The next message replies to `parent` (a bar above the input says so, with a × to cancel). */
  replyTo(parent: ReplyRef | undefined): void;
}

/** The message form of a room: kind, text, Send. Hands non-blank text (and what it replies to) to `submit` and clears. */
export function composer(opts: ComposerOptions, submit: (kind: OutgoingKind, text: string, replyTo?: string) => void): Composer {
  const kind = h("select", { className: "kind", attrs: { "aria-label": "Message kind" } });
  for (const k of opts.kinds) kind.append(h("option", { text: KIND_LABEL[k], attrs: { value: k } }));
  const input = h("input", {
    className: "text",
    attrs: {
      type: "text",
      placeholder: `Message #${opts.room}`,
      maxlength: String(opts.maxLength),
      autocomplete: "off",
      "aria-label": "Message",
    },
  });
  const send = h("button", { className: "send", text: "Send", attrs: { type: "submit" } });
  const replyBar = h("div", { className: "reply-bar", attrs: { hidden: "" } });
  let parent: ReplyRef | undefined;
  const replyTo = (next: ReplyRef | undefined) => {
    parent = next;
    replyBar.hidden = next === undefined;
    if (!next) return replyBar.replaceChildren();
    const cancel = h("button", { className: "reply-cancel link", text: "×", attrs: { type: "button", "aria-label": "Do not reply" } });
    cancel.addEventListener("click", () => replyTo(undefined));
    replyBar.replaceChildren(h("span", { className: "reply-label", text: "Replying to " }), replyLine(next), cancel);
    input.focus();
  };
  const form = h("form", { className: "composer" }, replyBar, opts.kinds.length > 1 && kind, input, send);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.value.trim() === "") return;
    submit((opts.kinds.length > 1 ? kind.value : opts.kinds[0]) as OutgoingKind, input.value, parent?.id);
    input.value = "";
    replyTo(undefined);
    input.focus();
  });
  return { element: form, replyTo };
}
