/**
 * The chat's client SDK: `ChatClient` (one connection, many rooms) and `RoomSubscription` (one
 * room: join with retry, recovery, ordering, exactly-once sends). See docs/embed.md.
 */
export { ChatClient, type ChatClientOptions } from "./chat-client.js";
export { RoomSubscription, defaultRoomOptions, type OlderMessages, type RoomOptions } from "./room-subscription.js";
export { replayRoom, type ReplayOptions } from "./replay.js";
export type { ClientEvents, ConnectionState, ModerationEvents, RoomEvents, RoomState } from "./events.js";
export { RoomModeration } from "./room-moderation.js";
export type { Outgoing, OutgoingKind, OutgoingState } from "./outbox.js";
export { ChatError, isPermanent, type LocalReason } from "./chat-error.js";
export { defaultRetryPolicy, type RetryPolicy } from "./retry-runner.js";
export { backoffDelay, defaultBackoff, type BackoffOptions } from "./backoff.js";
export { RoomTimeline, defaultRoomTimelineOptions, type RoomTimelineOptions, type TimelineStats } from "./room-timeline.js";
export { MessageWindow, insertionIndex, compareIds } from "./message-window.js";
export { MemoryStorage, type ChatStorage, type RoomSnapshot } from "./storage.js";
export { WebStorage, globalLocalStorage, type KeyValueStore, type WebStorageOptions } from "./web-storage.js";
export { systemClock, type Clock, type TimerHandle } from "./clock.js";
export { alwaysOnline, globalNetwork, type NetworkHook } from "./network.js";
export { socketIo, defaultSocketIoOptions, type SocketIoOptions } from "./socket-io.js";
export type { ChatSocket, SocketEvents, SocketFactory, SocketFactoryInput } from "./socket.js";
export {
  Capability,
  ErrorCode,
  RefusalReason,
  replyExcerpt,
  type BatchEntry,
  type BlockedTerm,
  type ChatMessage,
  type ConfigureRequest,
  type ErrorBody,
  type HeldMessage,
  type HeldReceipt,
  type HistoryPage,
  type RoomEntry,
  type MessageKind,
  type Moderator,
  type ModerationLogEntry,
  type Notice,
  type QueueList,
  type QueueResolution,
  type ReplyRef,
  type ReportedMessage,
  type RoomSettings,
  type ChatCleared,
  type Role,
  type TermAction,
  type TermMatch,
  type User,
} from "../protocol/index.js";
