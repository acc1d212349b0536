import { afterEach, expect, it } from "vitest";
import { AbuseControl } from "./abuse-control.js";

let t = 0;
const now = () => t;
const made: AbuseControl[] = [];
function control(options: ConstructorParameters<typeof AbuseControl>[0]): AbuseControl {
  const c = new AbuseControl(options, now);
  made.push(c);
  return c;
}
afterEach(() => {
  for (const c of made.splice(0)) c.close();
  t = 0;
});

it("shares one rate among an IP's connections, with a burst of one second's worth", () => {
  const c = control({ perIpPerSec: 3, perUserPerSec: 100 });
  const taken = Array.from({ length: 5 }, (_, i) => c.messageWait("10.0.0.1", `u${i}`));
  expect(taken.filter((w) => w === 0)).toHaveLength(3);
  expect(c.messageWait("10.0.0.2", "u9")).toBe(0);
  t += 1_000;
  expect(c.messageWait("10.0.0.1", "u1")).toBe(0);
});

it("shares one rate among a user's connections; anonymous ids (undefined) are not tracked", () => {
  const c = control({ perIpPerSec: 1_000, perUserPerSec: 1 });
  expect(c.messageWait("a", "tabs")).toBe(0);
  expect(c.messageWait("b", "tabs")).toBe(0); // burst of two
  expect(c.messageWait("c", "tabs")).toBeGreaterThan(0);
  for (let i = 0; i < 10; i++) expect(c.messageWait(`d${i}`, undefined)).toBe(0);
  expect(c.tracked.users).toBe(1);
});

it("refuses a flooded IP and user for the penalty, then forgets them", () => {
  const c = control({ penaltyMs: 5_000 });
  c.flooded("10.0.0.1", "bad");
  t += 4_000;
  expect(c.ipRefusedFor("10.0.0.1")).toBe(1_000);
  expect(c.userRefusedFor("bad")).toBe(1_000);
  expect(c.ipRefusedFor("10.0.0.2")).toBe(0);
  t += 1_000;
  expect(c.ipRefusedFor("10.0.0.1")).toBe(0);
  expect(c.tracked.penalties).toBe(1);
});
