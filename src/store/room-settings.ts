/**
 * A room's settings as both stores keep them: one change applied to what is stored (only the
 * fields given; a mode at its "off" value is removed, so a room without modes is `{ slowModeSec }`
 * as before issue #21), and the Redis hash's fields to and from {@link RoomSettings}.
 */
import type { RoomSettings } from "../protocol/index.js";
import type { SettingsChange } from "./message-store.js";

/** `settings` with `change` applied (a new object). */
export function applySettingsChange(settings: RoomSettings, change: SettingsChange): RoomSettings {
  const next: RoomSettings = { ...settings };
  if (change.slowModeSec !== undefined) next.slowModeSec = change.slowModeSec;
  if (change.subscribersOnly !== undefined) {
    if (change.subscribersOnly) next.subscribersOnly = true;
    else delete next.subscribersOnly;
  }
  if (change.followersOnlySec !== undefined) {
    if (change.followersOnlySec === null) delete next.followersOnlySec;
    else next.followersOnlySec = change.followersOnlySec;
  }
  if (change.uniqueChat !== undefined) {
    if (change.uniqueChat) next.uniqueChat = true;
    else delete next.uniqueChat;
  }
  if (change.delaySec !== undefined) {
    if (change.delaySec > 0) next.delaySec = change.delaySec;
    else delete next.delaySec;
  }
  return next;
}

/** The Redis settings hash's fields for a change: field, value pairs ('' removes the field). */
export function settingsFields(change: SettingsChange): string[] {
  const pairs: string[] = [];
  if (change.slowModeSec !== undefined) pairs.push("slow", change.slowModeSec === 0 ? "" : String(change.slowModeSec));
  if (change.subscribersOnly !== undefined) pairs.push("sub", change.subscribersOnly ? "1" : "");
  if (change.followersOnlySec !== undefined) pairs.push("fol", change.followersOnlySec === null ? "" : String(change.followersOnlySec));
  if (change.uniqueChat !== undefined) pairs.push("uniq", change.uniqueChat ? "1" : "");
  if (change.delaySec !== undefined) pairs.push("delay", change.delaySec === 0 ? "" : String(change.delaySec));
  return pairs;
}

/** {@link RoomSettings} from the hash's values in the order slow, sub, fol, uniq, delay ('' = off). */
export function settingsFromFields(values: readonly unknown[]): RoomSettings {
  const [slow, sub, fol, uniq, delay] = values.map((v) => String(v ?? ""));
  const settings: RoomSettings = { slowModeSec: Number(slow || 0) };
  if (sub === "1") settings.subscribersOnly = true;
  if (fol !== "") settings.followersOnlySec = Number(fol);
  if (uniq === "1") settings.uniqueChat = true;
  if (delay !== "" && Number(delay) > 0) settings.delaySec = Number(delay);
  return settings;
}

/** Whether a room with these settings keeps anything (the memory store drops rooms that keep nothing). */
export function hasSettings(settings: RoomSettings): boolean {
  return Object.keys(settings).length > 1 || settings.slowModeSec !== 0;
}

/** The change in a few words, for the moderation log ("slow mode 30 s, subscribers-only on"). */
export function describeSettingsChange(change: SettingsChange): string {
  const parts: string[] = [];
  if (change.slowModeSec !== undefined) parts.push(change.slowModeSec === 0 ? "slow mode off" : `slow mode ${change.slowModeSec} s`);
  if (change.subscribersOnly !== undefined) parts.push(`subscribers-only ${change.subscribersOnly ? "on" : "off"}`);
  if (change.followersOnlySec !== undefined) {
    parts.push(change.followersOnlySec === null ? "followers-only off" : `followers-only (followed ${change.followersOnlySec} s before)`);
  }
  if (change.uniqueChat !== undefined) parts.push(`unique chat ${change.uniqueChat ? "on" : "off"}`);
  if (change.delaySec !== undefined) parts.push(change.delaySec === 0 ? "delay off" : `delay ${change.delaySec} s`);
  return parts.join(", ");
}
