/**
 * The servers the browsers talk to: `urls[0]` and `urls[1]` are two replicas when the shared
 * cluster harness is available, so each browser context can sit on a different one.
 */
import { mintToken } from "../../src/auth/token.js";
import { startEmbedded, TEST_SECRET } from "../support/embedded-server.js";

export interface Targets {
  urls: [string, string];
  streamerToken(name: string, rooms: string[]): Promise<string>;
  close(): Promise<void>;
}

export async function startTargets(): Promise<Targets> {
  const server = await startEmbedded({ viewerCounts: { tickMs: 200 } });
  return {
    urls: [server.url, server.url],
    streamerToken: (name, rooms) =>
      mintToken({ sub: `streamer-${name.toLowerCase()}`, name, role: "streamer", rooms }, TEST_SECRET),
    close: () => server.close(),
  };
}
