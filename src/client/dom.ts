/**
 * The one way the pages build DOM. Text goes in through `textContent` only, never as HTML, so
 * anything a user typed (a name, a message, a notice) is shown as text and never runs.
 */
export type Child = Node | string | null | undefined | false;

export interface ElementProps {
  className?: string;
  text?: string;
  /** Plain attributes (aria-*, type, placeholder, ...). Never event handlers: use addEventListener. */
  attrs?: Record<string, string>;
  dataset?: Record<string, string>;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.className) el.className = props.className;
  if (props.text !== undefined) el.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (/^on/i.test(name)) throw new Error(`h(): refusing event-handler attribute ${name}`);
    el.setAttribute(name, value);
  }
  Object.assign(el.dataset, props.dataset ?? {});
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

/** The element with that id, or a clear error when the page's HTML does not have it. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page has no #${id}`);
  return el as T;
}

/** "14:03": short enough for a chat line, in the viewer's time zone. */
export function clock(ts: number): string {
  return new Date(ts).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
}

/**
 * Calls `submit` with the trimmed value of `input` when `form` is submitted and the value passes
 * `valid`; otherwise shows `hint` as the browser's own validation message.
 */
export function onValidSubmit(
  form: HTMLFormElement,
  input: HTMLInputElement,
  valid: (value: string) => boolean,
  hint: string,
  submit: (value: string) => void,
): void {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (!valid(value)) {
      input.setCustomValidity(hint);
      input.reportValidity();
      return;
    }
    submit(value);
  });
  input.addEventListener("input", () => input.setCustomValidity(""));
}
