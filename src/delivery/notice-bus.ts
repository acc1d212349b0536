import type { ModerationNotice } from "../store/moderation-notice.js";
import { RoomBus, type RoomListener } from "./room-bus.js";

export type NoticesListener = RoomListener<ModerationNotice>;

/**
 * Hands a room's moderation notices from where they arrive (the room's Redis channel, through the
 * adapter; or the in-memory store) to whoever acts on them (src/moderation/: the moderators'
 * connections, held-message timers, waiting acks, term caches). The EntryBus's twin for what is
 * not history.
 */
export class NoticeBus extends RoomBus<ModerationNotice> {}
