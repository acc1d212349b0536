/** Client bookkeeping for test files: every client a test or a file opens is closed, pass or fail. */
import { afterEach } from "vitest";
import { connectClient, type ChatClient, type ClientOptions } from "./clients.js";

/** The clients a file opens on its servers or replicas; `closeAll()` closes every one opened so far. */
export class ClientPool {
  private readonly open: ChatClient[] = [];

  /** Connects a client to `target` (a replica, a server: anything with a `url`). */
  async connect(target: { url: string }, auth: ClientOptions["auth"] = {}): Promise<ChatClient> {
    const c = await connectClient(target.url, { auth });
    this.open.push(c);
    return c;
  }

  closeAll(): void {
    for (const c of this.open.splice(0)) c.close();
  }
}

/** Per test: every client a test opens is closed after it. */
export function useClients(defaultUrl: () => string): (auth?: ClientOptions["auth"], url?: string) => Promise<ChatClient> {
  const pool = new ClientPool();
  afterEach(() => pool.closeAll());
  return (auth = {}, url = defaultUrl()) => pool.connect({ url }, auth);
}
