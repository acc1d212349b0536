/** Per-test client bookkeeping: every client a test opens is closed after it, pass or fail. */
import { afterEach } from "vitest";
import { connectClient, type ChatClient, type ClientOptions } from "./clients.js";

export function useClients(defaultUrl: () => string): (auth?: ClientOptions["auth"], url?: string) => Promise<ChatClient> {
  const open: ChatClient[] = [];
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  return async (auth = {}, url = defaultUrl()) => {
    const c = await connectClient(url, { auth });
    open.push(c);
    return c;
  };
}
