/**
 * Publish coalescing for the sharded adapter: the broadcasts one replica sends to one room's
 * channel within `tickMs` leave as one SPUBLISH, and every replica unpacks them in order.
 *
 * Why: most of a sharded publish's Redis cost is fixed per publish, not per byte: the shard's
 * master forwards every SPUBLISH to its replica over the cluster bus with a ~2 KB header. A hot
 * room (tens of messages a second) pays that once per tick instead of once per message.
 *
 * Cost: a broadcast reaches other replicas up to `tickMs` later (local members get it at once).
 */
import { MessageType, type ClusterMessage } from "socket.io-adapter";

/** A batch payload starts with this; a stock message starts with `{"uid":`. */
const BATCH_PREFIX = '{"batch":[';
const BATCH_PREFIX_BYTES = Buffer.from(BATCH_PREFIX);

export interface CoalescingInternals {
  pubClient: { sPublish(channel: string, message: string): Promise<number> };
  computeChannel(message: ClusterMessage): string;
  doPublish(message: ClusterMessage): Promise<string>;
  onRawMessage(message: Buffer, channel: Buffer): void;
  onMessage(message: ClusterMessage): void;
  close(): Promise<void> | void;
}

interface Pending {
  batches: Map<string, ClusterMessage[]>;
  timer: NodeJS.Timeout | undefined;
}

const pendingOf = new WeakMap<object, Pending>();

function hasBinary(value: unknown, depth = 0): boolean {
  if (depth > 64 || value === null || typeof value !== "object") return false;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return true;
  return Object.values(value).some((v) => hasBinary(v, depth + 1));
}

/** Only plain broadcasts without acks (and without binary, which takes msgpack) are batched. */
function coalescible(message: ClusterMessage): boolean {
  return (
    message.type === MessageType.BROADCAST &&
    (message.data as { requestId?: string }).requestId === undefined &&
    !hasBinary((message.data as { packet: unknown }).packet)
  );
}

function flush(adapter: CoalescingInternals, onError: (err: unknown) => void): void {
  const pending = pendingOf.get(adapter);
  if (!pending) return;
  pending.timer = undefined;
  const batches = pending.batches;
  pending.batches = new Map();
  for (const [channel, messages] of batches) {
    const payload = `${BATCH_PREFIX}${messages.map((m) => JSON.stringify(m)).join(",")}]}`;
    adapter.pubClient.sPublish(channel, payload).catch(onError);
  }
}

/**
 * Installs coalescing on a patched sharded adapter prototype. `base` holds the stock methods it
 * wraps. With `tickMs` 0 nothing changes.
 */
export function installPublishCoalescing(
  proto: CoalescingInternals,
  base: Pick<CoalescingInternals, "doPublish" | "onRawMessage" | "close">,
  tickMs: number,
  onError: (err: unknown) => void = () => undefined,
): void {
  // Receiving batches costs nothing when nobody sends them; every replica must understand them.
  proto.onRawMessage = function (this: CoalescingInternals, raw: Buffer, channel: Buffer) {
    if (raw.length > BATCH_PREFIX_BYTES.length && raw.subarray(0, BATCH_PREFIX_BYTES.length).equals(BATCH_PREFIX_BYTES)) {
      let batch: ClusterMessage[];
      try {
        batch = (JSON.parse(raw.toString()) as { batch: ClusterMessage[] }).batch;
      } catch {
        return; // malformed: the stock decoder drops such messages too
      }
      for (const message of batch) this.onMessage(message);
      return;
    }
    base.onRawMessage.call(this, raw, channel);
  };
  if (tickMs <= 0) return;

  proto.doPublish = function (this: CoalescingInternals, message: ClusterMessage) {
    if (!coalescible(message)) return base.doPublish.call(this, message);
    let pending = pendingOf.get(this);
    if (!pending) pendingOf.set(this, (pending = { batches: new Map(), timer: undefined }));
    const channel = this.computeChannel(message);
    const batch = pending.batches.get(channel);
    if (batch) batch.push(message);
    else pending.batches.set(channel, [message]);
    if (!pending.timer) {
      pending.timer = setTimeout(() => flush(this, onError), tickMs);
      pending.timer.unref();
    }
    // Resolved at once: local members are not made to wait for the tick.
    return Promise.resolve("");
  };

  proto.close = function (this: CoalescingInternals) {
    const pending = pendingOf.get(this);
    if (pending?.timer) clearTimeout(pending.timer);
    flush(this, onError);
    return base.close.call(this);
  };
}
