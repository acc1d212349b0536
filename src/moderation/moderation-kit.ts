/**
 * The moderation team's parts on one replica, built once by the chat's wiring and handed to both
 * edges: the service (what the team does), the term filter (the send path's check), the held
 * messages' timers and waiting senders, and the feed that turns the room channel's notices into
 * the moderators' events.
 */
import type { Logger } from "pino";
import type { NoticeBus } from "../delivery/notice-bus.js";
import type { ChatNamespace } from "../socket/chat-io.js";
import type { MessageStore } from "../store/message-store.js";
import type { ModerationLog } from "../store/moderation-log.js";
import type { ModerationStore } from "../store/moderation-store.js";
import { Announcer } from "./announcer.js";
import { HeldAcks, type HeldAcksOptions } from "./held-acks.js";
import { HeldReleaser, type HeldReleaserOptions } from "./held-releaser.js";
import { ModerationService } from "./moderation-service.js";
import { ModeratorFeed } from "./moderator-feed.js";
import { TermFilter, type TermFilterOptions } from "./term-filter.js";

export interface ModerationOptions {
  /** @default {} (HeldReleaser defaults: a 1.5 s grace for other replicas) */
  releaser: Partial<HeldReleaserOptions>;
  /** @default {} (HeldAcks defaults: a v1 sender waits 30 s past the due time) */
  acks: Partial<HeldAcksOptions>;
  /** @default {} (TermFilter defaults: 2,000 rooms' lists, re-read after 60 s) */
  terms: Partial<TermFilterOptions>;
}

export const defaultModerationOptions: ModerationOptions = { releaser: {}, acks: {}, terms: {} };

export interface ModerationDeps {
  nsp: ChatNamespace;
  store: MessageStore;
  team: ModerationStore;
  log: ModerationLog;
  /** Where the room channels' moderation notices arrive. */
  notices: NoticeBus;
  logger: Logger;
  /** Counts notices that could not be announced. @default none */
  onAnnounceError?: () => void;
}

export interface Moderation {
  service: ModerationService;
  terms: TermFilter;
  feed: ModeratorFeed;
  acks: HeldAcks;
  releaser: HeldReleaser;
  announcer: Announcer;
  close(): void;
}

export function createModeration(deps: ModerationDeps, options: Partial<ModerationOptions> = {}): Moderation {
  const opts = { ...defaultModerationOptions, ...options } satisfies ModerationOptions;
  const { nsp, store, team, logger } = deps;
  const announcer = new Announcer({ store, logger, onError: deps.onAnnounceError });
  const terms = new TermFilter({ store: team }, opts.terms);
  const acks = new HeldAcks(opts.acks);
  const releaser = new HeldReleaser({ store, announce: (room, notices) => announcer.say(room, notices), logger }, opts.releaser);
  const feed = new ModeratorFeed({ nsp, releaser, acks, terms, logger });
  const service = new ModerationService({
    store,
    team,
    log: deps.log,
    announcer,
    terms,
    releaser,
    siteTermsChanged: () => siteTermsEverywhere(nsp, logger),
    logger,
  });
  nsp.on("chat:site-terms", (_req, ack) => {
    terms.siteChanged();
    ack(1);
  });
  const stop = deps.notices.listen((room, notices) => feed.deliver(room, notices));
  // Every leave (an explicit one, a ban's kick, a disconnect) takes the connection off the team
  // and ends what it waited for there.
  const left = (room: string, socketId: string) => {
    feed.remove(room, socketId);
    acks.left(room, socketId);
  };
  nsp.adapter.on("leave-room", left);
  nsp.adapter.on("delete-room", (room: string) => terms.forget(room));
  return {
    service,
    terms,
    feed,
    acks,
    releaser,
    announcer,
    close() {
      stop();
      nsp.adapter.off("leave-room", left);
      releaser.close();
      acks.close();
    },
  };
}

/** The site's term list changed: every other replica drops its compiled one before the change is acknowledged. */
async function siteTermsEverywhere(nsp: ChatNamespace, logger: Pick<Logger, "warn">): Promise<void> {
  try {
    // The in-memory adapter (embedded mode) is the only server; it cannot serverSideEmit.
    if ((await nsp.adapter.serverCount()) <= 1) return;
    await nsp.serverSideEmitWithAck("chat:site-terms", {});
  } catch (err) {
    // A replica that did not answer re-reads the list within the term filter's TTL.
    logger.warn({ err }, "not every replica confirmed the site's new blocked terms");
  }
}
