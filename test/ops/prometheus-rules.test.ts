/**
 * deploy/prometheus/ through Debian's promtool (`.ci/run` installs the `prometheus` package): the
 * config and the alert rules parse, every alert fires on its unit test's series and stays silent
 * below them (deploy/prometheus/tests/*.yml), and every alert is complete for the operator who gets
 * it: a severity, a summary, and a runbook line that exists in docs/operations.md.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DIR = "deploy/prometheus";
const ruleFiles = readdirSync(`${ROOT}${DIR}/rules`).filter((f) => f.endsWith(".yml")).map((f) => `${DIR}/rules/${f}`);
const testFiles = readdirSync(`${ROOT}${DIR}/tests`).filter((f) => f.endsWith(".yml")).map((f) => `${DIR}/tests/${f}`);

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const alerts = ruleFiles.flatMap((file) =>
  (parse(readFileSync(`${ROOT}${file}`, "utf8")) as { groups: { rules: AlertRule[] }[] }).groups.flatMap((g) => g.rules),
);

function promtool(...args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile("promtool", args, { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, output: stdout + stderr }),
    );
  });
}

/** GitHub's anchor of a Markdown heading (enough for headings of letters and digits). */
const anchor = (heading: string) => heading.trim().toLowerCase().replace(/[^a-z0-9 -]/g, "").replace(/ /g, "-");

describe("deploy/prometheus", () => {
  it("promtool check config: the scrape config and the rule files it names", async () => {
    const res = await promtool("check", "config", `${DIR}/prometheus.yml`);
    expect(res, res.output).toMatchObject({ code: 0 });
    expect(res.output).toContain(`${alerts.length} rules found`);
  });

  it("promtool check rules", async () => {
    const res = await promtool("check", "rules", ...ruleFiles);
    expect(res, res.output).toMatchObject({ code: 0 });
  });

  it("promtool test rules: each alert fires past its threshold and stays silent below it", async () => {
    const res = await promtool("test", "rules", ...testFiles);
    expect(res, res.output).toMatchObject({ code: 0 });
    expect(res.output.match(/SUCCESS/g)?.length).toBe(testFiles.length);
  });

  it("has a unit test that expects every alert to fire", () => {
    const fired = new Set<string>();
    for (const file of testFiles) {
      const doc = parse(readFileSync(`${ROOT}${file}`, "utf8")) as { tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] };
      for (const t of doc.tests.flatMap((x) => x.alert_rule_test ?? [])) if (t.exp_alerts.length > 0) fired.add(t.alertname);
    }
    expect(alerts.map((a) => a.alert).filter((name) => !fired.has(name))).toEqual([]);
  });

  it("gives every alert a severity, a one-line summary and a runbook line in docs/operations.md", () => {
    const operations = readFileSync(`${ROOT}docs/operations.md`, "utf8");
    const anchors = new Set([...operations.matchAll(/^#+ (.+)$/gm)].map((m) => anchor(m[1]!)));
    for (const rule of alerts) {
      expect(["warning", "critical"], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toMatch(/^[^\n]{10,200}$/);
      const [path, fragment] = (rule.annotations?.runbook_url ?? "").split("#");
      expect(path, rule.alert).toBe("docs/operations.md");
      expect(fragment, rule.alert).toBe(anchor(rule.alert));
      expect(anchors.has(fragment!), `docs/operations.md has a heading for ${rule.alert}`).toBe(true);
    }
    expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
  });
});
