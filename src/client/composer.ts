import { h } from "./dom.js";
import type { OutgoingKind } from "../sdk/index.js";

export interface ComposerOptions {
  room: string;
  /** What can be sent; with more than one, a select picks the kind. */
  kinds: OutgoingKind[];
  /** Characters per message, as the server's limit. */
  maxLength: number;
}

const KIND_LABEL: Record<OutgoingKind, string> = { chat: "Chat", question: "Question", notice: "Pinned notice" };

/** The message form of a room: kind, text, Send. Hands non-blank text to `submit` and clears. */
export function composer(opts: ComposerOptions, submit: (kind: OutgoingKind, text: string) => void): HTMLFormElement {
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
  const form = h("form", { className: "composer" }, opts.kinds.length > 1 && kind, input, send);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.value.trim() === "") return;
    submit((opts.kinds.length > 1 ? kind.value : opts.kinds[0]) as OutgoingKind, input.value);
    input.value = "";
    input.focus();
  });
  return form;
}
