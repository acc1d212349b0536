import { describe, expect, it } from "vitest";
import { ErrorCode, type Ack, type SendResult } from "../protocol/index.js";
import { Outbox, type Outgoing } from "./outbox.js";

function harness(answers: Ack<SendResult>[]) {
  let ready = true;
  let n = 0;
  const sent: Outgoing[] = [];
  const changes: string[] = [];
  const outbox = new Outbox({
    room: "r1",
    send: async (msg) => {
      sent.push({ ...msg });
      return answers.shift() ?? { ok: false, error: { code: ErrorCode.Unavailable, message: "no answer" } };
    },
    ready: () => ready,
    changed: (msg) => changes.push(msg.state),
    newClientId: () => `c${++n}`,
    now: () => 1,
  });
  return { outbox, sent, changes, setReady: (r: boolean) => (ready = r) };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe("Outbox", () => {
  it("shows a message as pending at once and as sent with its id after the ack", async () => {
    const { outbox, changes } = harness([{ ok: true, id: "0001" }]);
    const msg = outbox.submit("chat", "hi");
    expect(changes).toEqual(["pending"]);
    await settle();
    expect(msg).toMatchObject({ state: "sent", id: "0001" });
  });

  it("marks an error ack failed, and a retry reuses the clientId", async () => {
    const { outbox, sent } = harness([
      { ok: false, error: { code: ErrorCode.RateLimited, message: "slow down", retryAfterMs: 200 } },
      { ok: true, id: "0002" },
    ]);
    const msg = outbox.submit("question", "why?");
    await settle();
    expect(msg.state).toBe("failed");
    expect(msg.error?.code).toBe(ErrorCode.RateLimited);
    outbox.retry(msg);
    await settle();
    expect(msg).toMatchObject({ state: "sent", id: "0002" });
    expect(sent.map((s) => s.clientId)).toEqual(["c1", "c1"]);
  });

  it("holds messages while the room is not joined and sends them on flush", async () => {
    const { outbox, sent, setReady } = harness([{ ok: true, id: "0003" }]);
    setReady(false);
    const msg = outbox.submit("chat", "later");
    await settle();
    expect(sent).toHaveLength(0);
    setReady(true);
    outbox.flush();
    await settle();
    expect(msg.state).toBe("sent");
  });

  it("re-queues, instead of failing, a send whose connection went away", async () => {
    const h = harness([]);
    const msg = h.outbox.submit("chat", "lost");
    h.setReady(false); // the socket dropped before the (failing) ack came back
    await settle();
    expect(msg.state).toBe("pending");
  });
});
