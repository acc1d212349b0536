/**
 * A message's check against blocked terms on the send path: the site's list and the room's, each
 * compiled once into a {@link TermMatcher} and cached on this replica. A room's cache is replaced
 * when its `terms` notice arrives (every replica with members in the room gets it: the same
 * channel as its messages); the site's is dropped when the site changes it (a command to every
 * replica). Both also expire after `ttlMs`, should a notice be lost with a failover.
 */
import type { BlockedTerm } from "../protocol/index.js";
import type { ModerationStore } from "../store/moderation-store.js";
import { normalizeText } from "./text-normalize.js";
import { TermMatcher, type TermRule } from "./term-matcher.js";

export interface TermFilterOptions {
  /** Rooms whose compiled list is kept (the one unused longest goes first). @default 2000 */
  maxRooms: number;
  /** A compiled list is read again after this long even without a notice. @default 60000 */
  ttlMs: number;
}

export const defaultTermFilterOptions: TermFilterOptions = { maxRooms: 2_000, ttlMs: 60_000 };

interface Cached {
  matcher: Promise<TermMatcher>;
  at: number;
}

export class TermFilter {
  private readonly rooms = new Map<string, Cached>();
  private site: Cached | undefined;
  private readonly opts: TermFilterOptions;

  constructor(
    private readonly deps: { store: Pick<ModerationStore, "terms">; now?: () => number },
    options: Partial<TermFilterOptions> = {},
  ) {
    this.opts = { ...defaultTermFilterOptions, ...options } satisfies TermFilterOptions;
  }

  /** The term `text` breaks in `room` (a blocking one first; the site's before the room's), or undefined. */
  async check(room: string, text: string): Promise<TermRule | undefined> {
    const [site, own] = await Promise.all([this.siteMatcher(), this.roomMatcher(room)]);
    if (site.size === 0 && own.size === 0) return undefined;
    const normalized = normalizeText(text);
    const fromSite = site.check(normalized);
    if (fromSite?.action === "block") return fromSite;
    return own.check(normalized) ?? fromSite;
  }

  /** The room's terms changed (its notice carries them all): compile them now. */
  roomChanged(room: string, terms: readonly BlockedTerm[]): void {
    this.remember(room, Promise.resolve(compile(terms)));
  }

  /** Nobody here is in the room any more: its list is not needed. */
  forget(room: string): void {
    this.rooms.delete(room);
  }

  siteChanged(): void {
    this.site = undefined;
  }

  private siteMatcher(): Promise<TermMatcher> {
    if (!this.site || this.stale(this.site)) this.site = this.load(this.deps.store.terms("site"), () => (this.site = undefined));
    return this.site.matcher;
  }

  private roomMatcher(room: string): Promise<TermMatcher> {
    const cached = this.rooms.get(room);
    if (cached && !this.stale(cached)) return cached.matcher;
    return this.remember(room, this.deps.store.terms({ room }).then(compile)).matcher;
  }

  private remember(room: string, matcher: Promise<TermMatcher>): Cached {
    const cached = { matcher, at: this.now() };
    // A failed read is not cached: the next message tries again.
    matcher.catch(() => this.rooms.get(room) === cached && this.rooms.delete(room));
    this.rooms.delete(room);
    this.rooms.set(room, cached);
    while (this.rooms.size > this.opts.maxRooms) this.rooms.delete(this.rooms.keys().next().value!);
    return cached;
  }

  private load(terms: Promise<BlockedTerm[]>, onFail: () => void): Cached {
    const matcher = terms.then(compile);
    matcher.catch(onFail);
    return { matcher, at: this.now() };
  }

  private stale(cached: Cached): boolean {
    return this.now() - cached.at > this.opts.ttlMs;
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}

function compile(terms: readonly BlockedTerm[]): TermMatcher {
  return TermMatcher.compile(terms.map((t) => ({ term: t.term, action: t.action, match: t.match })));
}
