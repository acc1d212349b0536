import type { PublishedEntry } from "../store/message-store.js";
import { RoomBus, type RoomListener } from "./room-bus.js";

export type EntriesListener = RoomListener<PublishedEntry>;

/**
 * Hands a room's published entries from where they arrive (the Redis subscription, through the
 * adapter; or the in-memory store in embedded mode) to whoever delivers them (the server's
 * LocalDelivery).
 */
export class EntryBus extends RoomBus<PublishedEntry> {}
