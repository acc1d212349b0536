import type { Adapter, BroadcastOptions, Room, SocketId } from "socket.io-adapter";

/** Adapter internals we build on; socket.io-adapter declares them private, so TS cannot override. */
interface AdapterInternals {
  rooms: Map<Room, Set<SocketId>>;
  sids: Map<SocketId, Set<Room>>;
  computeExceptSids(exceptRooms?: Set<Room>): Set<SocketId>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AdapterClass = abstract new (...args: any[]) => Adapter;

/**
 * The two room rules of this server, for any socket.io adapter (the in-memory one, and the
 * sharded Redis one on every replica):
 *
 * 1. No per-socket default room. Socket.IO joins every socket to a room named after its id; a
 *    viewer never uses it and it costs a Set and a map entry per connection. `addAll` drops it.
 * 2. Broadcasts still exclude the sender. `socket.to(room).emit()` excludes by `except: {socket.id}`
 *    and the stock adapter only expands `except` entries that are rooms, so without rule 1's room
 *    the sender got its own message back (socket.io#4524). An `except` entry that is a connected
 *    socket's id now excludes that socket itself.
 */
export function withChatRooms<T extends AdapterClass>(Base: T): T {
  abstract class ChatRoomsAdapter extends Base {
    override addAll(id: SocketId, rooms: Set<Room>): Promise<void> | void {
      if (!rooms.has(id)) return super.addAll(id, rooms);
      const kept = new Set(rooms);
      kept.delete(id);
      return super.addAll(id, kept);
    }
  }
  const proto = ChatRoomsAdapter.prototype as unknown as AdapterInternals;
  const baseExcept = (Base.prototype as unknown as AdapterInternals).computeExceptSids;
  proto.computeExceptSids = function (this: AdapterInternals, exceptRooms?: Set<Room>) {
    const except = baseExcept.call(this, exceptRooms);
    if (exceptRooms) for (const entry of exceptRooms) if (this.sids.has(entry)) except.add(entry);
    return except;
  };
  return ChatRoomsAdapter;
}

export type { BroadcastOptions };
