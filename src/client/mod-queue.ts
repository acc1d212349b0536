/**
 * The studio's review queue (issue #21): held messages (the room's delay, or a term that holds)
 * with Approve and Deny, and reported messages with Remove and Dismiss; one click each. It shows
 * what `queue()` returned and then follows the team's events (`held`, `resolved`, `report`), so
 * every moderator on every replica sees the same queue.
 */
import type { HeldMessage, ReportedMessage, RoomSubscription } from "../sdk/index.js";
import { clock, h } from "./dom.js";
import { actionButton, type Reporter } from "./mod-actions.js";
import { replyLine } from "./message-row.js";

export interface ModQueueDeps extends Reporter {
  room: RoomSubscription;
}

export class ModQueue {
  readonly element: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly empty: HTMLElement;
  private readonly rows = new Map<string, HTMLLIElement>();

  constructor(private readonly deps: ModQueueDeps) {
    this.list = h("ol", { className: "queue-list", attrs: { "aria-label": "Review queue" } });
    this.empty = h("p", { className: "queue-empty", text: "Nothing waits for review." });
    this.element = h("section", { className: "mod-section mod-queue" }, h("h2", { text: "Review queue" }), this.empty, this.list);
    const { moderation } = deps.room;
    moderation.on("held", ({ messages }) => messages.forEach((m) => this.showHeld(m)));
    moderation.on("report", ({ report }) => this.showReport(report));
    moderation.on("resolved", ({ items }) => items.forEach((item) => this.drop(`${item.kind}:${item.id}`)));
  }

  /** Shows the queue as the server has it now. */
  async load(): Promise<void> {
    const { held, reports } = await this.deps.room.moderation.queue();
    for (const key of [...this.rows.keys()]) this.drop(key);
    held.forEach((m) => this.showHeld(m));
    reports.forEach((r) => this.showReport(r));
  }

  private showHeld(m: HeldMessage): void {
    const { room } = this.deps;
    const why = m.reason === "review" ? `review · "${m.term ?? ""}"` : `delay · due ${clock(m.releaseAt ?? m.ts)}`;
    const row = h(
      "li",
      { className: `queue-item held reason-${m.reason}`, dataset: { heldId: m.id } },
      h("span", { className: "badge badge-held", text: "held" }),
      h("span", { className: "queue-why", text: why }),
      h("span", { className: "msg-name", text: m.user.name }),
      m.replyTo && replyLine(m.replyTo),
      h("span", { className: "msg-text", text: m.text }),
      h(
        "span",
        { className: "queue-actions" },
        actionButton("Approve", "approve", `Approve the message by ${m.user.name}`, this.deps, "approve", async () => {
          const { approved } = await room.moderation.approve(m.id);
          this.deps.report(approved ? `approved ${m.user.name}'s message` : "that message was no longer held");
        }),
        actionButton("Deny", "deny", `Deny the message by ${m.user.name}`, this.deps, "deny", async () => {
          const denied = await room.moderation.deny(m.id);
          this.deps.report(denied ? `removed ${m.user.name}'s message before anyone saw it` : "that message was no longer held");
        }),
      ),
    );
    this.put(`held:${m.id}`, row);
  }

  private showReport(r: ReportedMessage): void {
    const { room } = this.deps;
    const reasons = [...new Set(r.reports.map((x) => x.reason))].join(", ");
    const row = h(
      "li",
      { className: "queue-item reported", dataset: { messageId: r.id } },
      h("span", { className: "badge badge-reported", text: `reported ×${r.count}` }),
      h("span", { className: "queue-why", text: reasons }),
      h("span", { className: "msg-name", text: r.message.user.name }),
      h("span", { className: "msg-text", text: r.message.text }),
      h(
        "span",
        { className: "queue-actions" },
        actionButton("Remove", "remove", `Remove the message by ${r.message.user.name}`, this.deps, "remove", async () => {
          await room.deleteMessage(r.id);
          this.drop(`report:${r.id}`);
          this.deps.report(`removed ${r.message.user.name}'s message`);
        }),
        actionButton("Dismiss", "dismiss", "Keep the message; dismiss the reports", this.deps, "dismiss", async () => {
          await room.moderation.dismissReport(r.id);
          this.deps.report("report dismissed");
        }),
      ),
    );
    this.put(`report:${r.id}`, row);
  }

  private put(key: string, row: HTMLLIElement): void {
    const old = this.rows.get(key);
    if (old) old.replaceWith(row);
    else this.list.append(row);
    this.rows.set(key, row);
    this.empty.hidden = true;
  }

  private drop(key: string): void {
    this.rows.get(key)?.remove();
    this.rows.delete(key);
    this.empty.hidden = this.rows.size > 0;
  }
}
