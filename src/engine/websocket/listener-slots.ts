/**
 * The event listeners of a LeanWebSocket: the part of EventEmitter's API engine.io 6 calls, over
 * three fields (one per event) instead of an event table. A slot holds nothing, one listener, or
 * an array once a second one is added; an idle connection keeps no table and no array.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Listener = (...args: any[]) => void;
type Slot = Listener | Listener[] | undefined;
export type LeanWebSocketEvent = "message" | "close" | "error";

export abstract class ListenerSlots {
  private _onmessage: Slot = undefined;
  private _onclose: Slot = undefined;
  private _onerror: Slot = undefined;

  on(event: LeanWebSocketEvent, listener: Listener): this {
    const key = slotOf(event);
    const slot = this[key];
    this[key] = slot === undefined ? listener : typeof slot === "function" ? [slot, listener] : [...slot, listener];
    return this;
  }

  addListener(event: LeanWebSocketEvent, listener: Listener): this {
    return this.on(event, listener);
  }

  once(event: LeanWebSocketEvent, listener: Listener): this {
    // "close" is emitted at most once: no wrapper (and no closure per connection) needed.
    if (event === "close") return this.on(event, listener);
    const self = this;
    const wrapper = Object.assign(
      function (this: unknown, ...args: unknown[]) {
        self.removeListener(event, wrapper);
        listener.apply(this, args);
      },
      { listener },
    );
    return this.on(event, wrapper);
  }

  removeListener(event: LeanWebSocketEvent, listener: Listener): this {
    const key = slotOf(event);
    const slot = this[key];
    const matches = (l: Listener) => l === listener || (l as { listener?: Listener }).listener === listener;
    if (typeof slot === "function") {
      if (matches(slot)) this[key] = undefined;
    } else if (slot) {
      const i = slot.findIndex(matches);
      if (i >= 0) {
        const rest = slot.filter((_, j) => j !== i);
        this[key] = rest.length === 1 ? rest[0] : rest;
      }
    }
    return this;
  }

  off(event: LeanWebSocketEvent, listener: Listener): this {
    return this.removeListener(event, listener);
  }

  removeAllListeners(event?: LeanWebSocketEvent): this {
    if (event === undefined || event === "message") this._onmessage = undefined;
    if (event === undefined || event === "close") this._onclose = undefined;
    if (event === undefined || event === "error") this._onerror = undefined;
    return this;
  }

  /** The listeners of `event` (a `once` listener as given, not its wrapper). */
  listeners(event: LeanWebSocketEvent): Listener[] {
    const slot = this[slotOf(event)];
    const all = slot === undefined ? [] : typeof slot === "function" ? [slot] : slot;
    return all.map((l) => (l as { listener?: Listener }).listener ?? l);
  }

  listenerCount(event: LeanWebSocketEvent): number {
    const slot = this[slotOf(event)];
    return slot === undefined ? 0 : typeof slot === "function" ? 1 : slot.length;
  }

  protected emit(event: LeanWebSocketEvent, a?: unknown, b?: unknown): void {
    const slot = this[slotOf(event)];
    if (slot === undefined) return;
    if (typeof slot === "function") slot.call(this, a, b);
    else for (const l of [...slot]) l.call(this, a, b);
  }
}

function slotOf(event: LeanWebSocketEvent): "_onmessage" | "_onclose" | "_onerror" {
  switch (event) {
    case "message":
      return "_onmessage";
    case "close":
      return "_onclose";
    case "error":
      return "_onerror";
    default:
      throw new TypeError(`LeanWebSocket emits only "message", "close" and "error", not "${String(event)}"`);
  }
}
