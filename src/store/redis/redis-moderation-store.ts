/**
 * The moderation store on Redis: a room's moderators (`mods`), blocked terms (`terms`) and reports
 * (`rep`, `rz`, `rl:<user>`) are keys of the room's slot (room-channel.ts), beside its history;
 * the site's terms are one hash of their own. Bounds are checked in the same script that writes.
 */
import type { BlockedTerm, Moderator, Report, ReportedMessage } from "../../protocol/index.js";
import type { LuaScript, RedisCommands } from "../../redis/lua-script.js";
import {
  REPORT_WINDOW_MS,
  defaultModerationStoreOptions,
  type ModerationStore,
  type ModerationStoreOptions,
  type ReportOutcome,
  type TermScope,
} from "../moderation-store.js";
import { BOUNDED_SET, DISMISS, DISMISS_FIELD, FIELD_EXISTS, HASH_ALL, REPORT, REPORTS } from "./moderation-team-lua.js";
import { MODERATORS_KEY, roomKey } from "./room-channel.js";
import { storeCall } from "./store-call.js";

export interface RedisModerationStoreOptions extends ModerationStoreOptions {
  /** @default "chat" (the message store's) */
  keyPrefix: string;
  /** Longest wait for Redis before a call fails as unavailable. @default 3000 */
  commandTimeoutMs: number;
}

export class RedisModerationStore implements ModerationStore {
  private readonly opts: RedisModerationStoreOptions;

  constructor(
    private readonly redis: RedisCommands,
    options: Partial<RedisModerationStoreOptions> = {},
  ) {
    this.opts = { ...defaultModerationStoreOptions, keyPrefix: "chat", commandTimeoutMs: 3_000, ...options } satisfies RedisModerationStoreOptions;
  }

  async addModerator(room: string, moderator: Moderator): Promise<"added" | "exists" | "full"> {
    return outcome(await this.call(BOUNDED_SET, [this.key(room, MODERATORS_KEY)], [moderator.userId, JSON.stringify(moderator), 1, this.opts.maxModerators]));
  }

  async removeModerator(room: string, userId: string): Promise<boolean> {
    return (await this.hdel(this.key(room, MODERATORS_KEY), userId)) === 1;
  }

  async moderators(room: string): Promise<Moderator[]> {
    return (await this.values<Moderator>(this.key(room, MODERATORS_KEY))).sort((a, b) => a.at - b.at);
  }

  async isModerator(room: string, userId: string): Promise<boolean> {
    return Number(await this.call(FIELD_EXISTS, [this.key(room, MODERATORS_KEY)], [userId])) === 1;
  }

  async terms(scope: TermScope): Promise<BlockedTerm[]> {
    return (await this.values<BlockedTerm>(this.termsKey(scope))).sort((a, b) => a.at - b.at);
  }

  async addTerm(scope: TermScope, term: BlockedTerm): Promise<"added" | "exists" | "full"> {
    const cap = scope === "site" ? this.opts.maxSiteTerms : this.opts.maxRoomTerms;
    return outcome(await this.call(BOUNDED_SET, [this.termsKey(scope)], [term.term, JSON.stringify(term), 0, cap]));
  }

  async removeTerm(scope: TermScope, term: string): Promise<boolean> {
    return (await this.hdel(this.termsKey(scope), term)) === 1;
  }

  async report(room: string, message: ReportedMessage["message"] & { id: string }, report: Report): Promise<ReportOutcome> {
    const { id, ...snapshot } = message;
    const keys = [this.key(room, "rep"), this.key(room, "rz"), this.key(room, `rl:${report.by.id}`)];
    const o = this.opts;
    const args = [id, JSON.stringify(snapshot), JSON.stringify(report), report.by.id, o.reportsPerUserPerHour, REPORT_WINDOW_MS, o.maxReportedPerRoom, o.reportsPerMessage, o.reportsTtlSec, Date.now()];
    const [code, value] = (await this.call(REPORT, keys, args)) as [number, string];
    if (Number(code) < 0) return { limitedForMs: Math.max(1, Number(value)) };
    const item = reportItem(room, value);
    return Number(code) === 1 ? { reported: true, item } : { reported: false, item };
  }

  async reports(room: string): Promise<ReportedMessage[]> {
    return ((await this.call(REPORTS, [this.key(room, "rep"), this.key(room, "rz")], [])) as string[]).map((raw) => reportItem(room, raw));
  }

  async dismissReport(room: string, messageId: string): Promise<boolean> {
    return Number(await this.call(DISMISS, [this.key(room, "rep"), this.key(room, "rz")], [messageId])) === 1;
  }

  async close(): Promise<void> {
    // The Redis client belongs to whoever created it.
  }

  private async values<T>(key: string): Promise<T[]> {
    const flat = (await this.call(HASH_ALL, [key], [])) as string[];
    const out: T[] = [];
    for (let i = 1; i < flat.length; i += 2) out.push(JSON.parse(flat[i]!) as T);
    return out;
  }

  private hdel(key: string, field: string): Promise<number> {
    return this.call(DISMISS_FIELD, [key], [field]).then(Number);
  }

  private termsKey(scope: TermScope): string {
    return scope === "site" ? `${this.opts.keyPrefix}:site:terms` : this.key(scope.room, "terms");
  }

  private key(room: string, suffix: string): string {
    return roomKey(this.opts.keyPrefix, room, suffix);
  }

  private call(script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    return storeCall(this.redis, script, keys, args, this.opts.commandTimeoutMs);
  }

}

function outcome(code: unknown): "added" | "exists" | "full" {
  const n = Number(code);
  return n === 1 ? "added" : n === 0 ? "exists" : "full";
}

/** A reported message as REPORT stored it (the room is the key's). */
function reportItem(room: string, raw: string): ReportedMessage {
  const item = JSON.parse(raw) as ReportedMessage;
  return { ...item, room };
}
