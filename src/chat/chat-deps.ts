import type { Logger } from "pino";
import type { ChatMetrics } from "../observability/metrics.js";
import { DEFAULT_MESSAGE_MAX_LENGTH } from "../protocol/index.js";
import type { ViewerCounts } from "../presence/viewer-counts.js";
import type { MessageStore } from "../store/message-store.js";
import type { MessageArchive } from "../archive/message-archive.js";
import type { SendBatcher } from "../delivery/send-batcher.js";
import type { RoomService } from "../rooms/room-service.js";
import type { Moderation } from "../moderation/moderation-kit.js";
import type { AbuseControl } from "./abuse-control.js";

export interface ChatLimits {
  /** Characters (code points) per message. @default 500 (DEFAULT_MESSAGE_MAX_LENGTH, shared with clients) */
  messageMaxLength: number;
  /** Rooms one connection may be in. @default 20 */
  maxRoomsPerSocket: number;
}

export const defaultChatLimits: ChatLimits = { messageMaxLength: DEFAULT_MESSAGE_MAX_LENGTH, maxRoomsPerSocket: 20 };

/** What the event handlers need; passed in, so two servers can live in one process. */
export interface ChatDeps {
  store: MessageStore;
  /** Sends go through here: stored (and published) per room per tick. */
  sends: Pick<SendBatcher, "submit">;
  viewers: ViewerCounts;
  /** Room operations shared with the HTTP API (moderation, settings, clearing). */
  rooms: RoomService;
  /** The moderation team's parts (issue #21): service, term filter, held messages, moderators' feed. */
  moderation: Moderation;
  limits: ChatLimits;
  logger: Logger;
  /** @default undefined: no metrics */
  metrics?: ChatMetrics;
  /** Limits across one IP's and one user's connections, and the flood penalty. @default none */
  abuse?: AbuseControl;
  /** Resolves when broadcasts to `room` from other replicas reach this one. @default none (one process) */
  roomReady?: (room: string) => Promise<void>;
  /** The durable archive, for history older than the hot window (issue #20). @default none */
  archive?: MessageArchive;
}
