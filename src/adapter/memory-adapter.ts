import { Adapter } from "socket.io-adapter";
import { withChatRooms } from "./chat-rooms.js";

/** The embedded default: Socket.IO's in-memory adapter with this server's room rules. */
export const ChatMemoryAdapter = withChatRooms(Adapter);
