import type { Adapter, BroadcastOptions, Room, SocketId } from "socket.io-adapter";

/**
 * What a socket's entry in `sids` holds here: its one room as the room's name, or a Set once it
 * is in two or more, or {@link NO_ROOMS}. Every connected socket keeps an entry (the adapter's
 * `apply()` finds "all sockets" by iterating `sids`).
 */
type SocketRooms = Room | Set<Room>;

/** Adapter internals we build on; socket.io-adapter types `sids` as `Map<SocketId, Set<Room>>`. */
interface AdapterInternals {
  rooms: Map<Room, Set<SocketId>>;
  sids: Map<SocketId, SocketRooms>;
  computeExceptSids(exceptRooms?: Set<Room>): Set<SocketId>;
  _del(room: Room, id: SocketId): void;
  apply(opts: BroadcastOptions, callback: (socket: unknown) => void): void;
  emit(event: string, ...args: unknown[]): boolean;
}

/** Emitted by the adapter with a room's name before a broadcast or lookup reaches its members here. */
export const BEFORE_ROOM_BROADCAST = "chat:before-room-broadcast";

/** Shared by every socket in no room: never mutated, and never handed out (`socketRooms` copies). */
const NO_ROOMS = new Set<Room>();

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AdapterClass = abstract new (...args: any[]) => Adapter;

function plus(rooms: SocketRooms, room: Room): SocketRooms {
  if (rooms === NO_ROOMS) return room;
  if (typeof rooms === "string") return rooms === room ? rooms : new Set([rooms, room]);
  return rooms.add(room);
}

function minus(rooms: SocketRooms, room: Room): SocketRooms {
  if (typeof rooms === "string") return rooms === room ? NO_ROOMS : rooms;
  if (rooms === NO_ROOMS || !rooms.delete(room)) return rooms;
  // Back to the compact form when one room is left.
  return rooms.size === 1 ? rooms.values().next().value! : rooms;
}

/**
 * The room rules of this server, for any socket.io adapter (the in-memory one, and the sharded
 * Redis one on every replica):
 *
 * 1. No per-socket default room. Socket.IO joins every socket to a room named after its id; a
 *    viewer never uses it and it costs a Set and a map entry per connection. It is never stored.
 * 2. Broadcasts still exclude the sender. `socket.to(room).emit()` excludes by `except: {socket.id}`
 *    and the stock adapter only expands `except` entries that are rooms, so without rule 1's room
 *    the sender got its own message back (socket.io#4524). An `except` entry that is a connected
 *    socket's id now excludes that socket itself.
 * 3. A socket's own room list is compact: a viewer is in one room (sometimes two), so its entry
 *    in `sids` is that room's name instead of a Set (152 bytes of heap per connection, measured
 *    by `npm run bench:memory`); a Set only from two rooms on. `socketRooms()` (hence
 *    `socket.rooms`) still answers a Set.
 */
export function withChatRooms<T extends AdapterClass>(Base: T): T {
  abstract class ChatRoomsAdapter extends Base {
    override addAll(id: SocketId, rooms: Set<Room>): void {
      const self = this as unknown as AdapterInternals;
      let mine = self.sids.get(id) ?? NO_ROOMS;
      // The entry exists from the socket's first addAll (its connection), even with no room.
      self.sids.set(id, mine);
      for (const room of rooms) {
        if (room === id) continue;
        mine = plus(mine, room);
        self.sids.set(id, mine);
        let members = self.rooms.get(room);
        if (!members) {
          self.rooms.set(room, (members = new Set()));
          self.emit("create-room", room);
        }
        if (!members.has(id)) {
          members.add(id);
          self.emit("join-room", room, id);
        }
      }
    }

    override del(id: SocketId, room: Room): void {
      const self = this as unknown as AdapterInternals;
      const mine = self.sids.get(id);
      if (mine !== undefined) self.sids.set(id, minus(mine, room));
      self._del(room, id);
    }

    override delAll(id: SocketId): void {
      const self = this as unknown as AdapterInternals;
      const mine = self.sids.get(id);
      if (mine === undefined) return;
      if (typeof mine === "string") self._del(mine, id);
      else for (const room of mine) self._del(room, id);
      self.sids.delete(id);
    }

    override socketRooms(id: SocketId): Set<Room> | undefined {
      const mine = (this as unknown as AdapterInternals).sids.get(id);
      if (typeof mine === "string") return new Set([mine]);
      return mine === NO_ROOMS ? new Set() : mine;
    }
  }
  const proto = ChatRoomsAdapter.prototype as unknown as AdapterInternals;
  const baseExcept = (Base.prototype as unknown as AdapterInternals).computeExceptSids;
  proto.computeExceptSids = function (this: AdapterInternals, exceptRooms?: Set<Room>) {
    const except = baseExcept.call(this, exceptRooms);
    if (exceptRooms) for (const entry of exceptRooms) if (this.sids.has(entry)) except.add(entry);
    return except;
  };
  // Every local broadcast (this replica's, and other replicas' as they arrive) and socket lookup
  // goes through `apply` (private in the library's types; src/adapter/internals.test.ts guards
  // it): rooms are announced first ({@link BEFORE_ROOM_BROADCAST}), so local delivery can write
  // what its tick holds back for them before anything else reaches them.
  const baseApply = (Base.prototype as unknown as AdapterInternals).apply;
  proto.apply = function (this: AdapterInternals, opts: BroadcastOptions, callback: (socket: unknown) => void) {
    for (const room of opts.rooms) this.emit(BEFORE_ROOM_BROADCAST, room);
    baseApply.call(this, opts, callback);
  };
  return ChatRoomsAdapter;
}

export type { BroadcastOptions };
