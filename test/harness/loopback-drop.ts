/**
 * Drops one direction of one TCP connection on loopback with iptables, the way a broken link or a
 * stuck switch port loses packets: the sender's kernel keeps retransmitting and neither end learns
 * anything for a long while. Every rule is removed by `remove()`, and at the latest when the test
 * process exits.
 */
import { execFile, execFileSync } from "node:child_process";

export interface LoopbackDrop {
  /** Removes the rule (idempotent). */
  remove(): Promise<void>;
}

const installed = new Set<string>();
let exitHook = false;

function ruleArgs(sport: number, dport: number): string[] {
  return ["OUTPUT", "-o", "lo", "-p", "tcp", "--sport", String(sport), "--dport", String(dport), "-j", "DROP"];
}

function iptables(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("iptables", ["-w", ...args], { timeout: 10_000 }, (err, _stdout, stderr) =>
      err ? reject(new Error(`iptables ${args.join(" ")}: ${stderr || err.message}`)) : resolve(),
    );
  });
}

/** Drops every packet from local port `sport` to local port `dport` on lo. Needs root and iptables. */
export async function dropLoopbackTcp(sport: number, dport: number): Promise<LoopbackDrop> {
  const key = `${sport}>${dport}`;
  if (!exitHook) {
    exitHook = true;
    process.on("exit", () => {
      for (const k of installed) {
        const [s, d] = k.split(">").map(Number) as [number, number];
        try {
          execFileSync("iptables", ["-w", "-D", ...ruleArgs(s, d)], { stdio: "ignore" });
        } catch {
          // already gone
        }
      }
    });
  }
  await iptables(["-I", ...ruleArgs(sport, dport)]);
  installed.add(key);
  return {
    async remove() {
      if (!installed.delete(key)) return;
      await iptables(["-D", ...ruleArgs(sport, dport)]);
    },
  };
}

/** Rules this process still has on lo (for a test's own cleanup check). */
export function loopbackDropsInstalled(): number {
  return installed.size;
}
