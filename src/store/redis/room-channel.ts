/**
 * Where a room lives in Redis: its sharded pub/sub channel and its keys share one hash slot, so one
 * Lua script on the room's shard can append to the history and publish to the channel (Redis
 * checks neither: a script may SPUBLISH to a channel of another slot, which would reach only that
 * node's subscribers, so the naming here is what keeps them together).
 */

export interface RoomChannelOptions {
  /** @socket.io/redis-adapter's `channelPrefix`. @default "socket.io" */
  channelPrefix: string;
  /** Socket.IO namespace. @default "/" */
  nsp: string;
}

export const defaultRoomChannelOptions: RoomChannelOptions = { channelPrefix: "socket.io", nsp: "/" };

/**
 * The room's sharded channel, named as @socket.io/redis-adapter's sharded adapter names it in
 * `dynamic-private` mode (`<prefix>#<nsp>#<room>#`), so the adapter's own per-room subscription
 * receives what our scripts publish. test: src/adapter/internals.test.ts checks the adapter agrees.
 */
export function roomChannel(room: string, options: Partial<RoomChannelOptions> = {}): string {
  const { channelPrefix, nsp } = { ...defaultRoomChannelOptions, ...options };
  return `${channelPrefix}#${nsp}#${room}#`;
}

/** A key of the room whose hash tag is the room's channel name (room ids contain no braces). */
export function roomKey(keyPrefix: string, room: string, suffix: string, options: Partial<RoomChannelOptions> = {}): string {
  return `${keyPrefix}:{${roomChannel(room, options)}}:${suffix}`;
}

/** The room id of a channel named by {@link roomChannel}, or undefined. */
export function roomOfChannel(channel: string, options: Partial<RoomChannelOptions> = {}): string | undefined {
  const prefix = roomChannel("", options).slice(0, -1);
  if (!channel.startsWith(prefix) || !channel.endsWith("#") || channel.length <= prefix.length + 1) return undefined;
  return channel.slice(prefix.length, -1);
}

/**
 * The room's appointed moderators (a hash by user id, redis-moderation-store.ts): a key of the
 * room's slot, so the message store's join read (ACCESS) sees it in the same step.
 */
export const MODERATORS_KEY = "mods";
