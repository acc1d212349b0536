/**
 * Everything the bench starts registers its stop here; `run()` stops all of it, newest first, on a
 * normal end, on an error and on SIGINT/SIGTERM, so no redis-server or replica outlives the bench.
 */
export class Cleanup {
  private readonly stops: { name: string; stop: () => Promise<void> | void }[] = [];
  private running: Promise<void> | undefined;

  add(name: string, stop: () => Promise<void> | void): () => Promise<void> {
    const entry = { name, stop };
    this.stops.push(entry);
    return async () => {
      const i = this.stops.indexOf(entry);
      if (i < 0) return;
      this.stops.splice(i, 1);
      await entry.stop();
    };
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      while (this.stops.length > 0) {
        const { name, stop } = this.stops.pop()!;
        try {
          await stop();
        } catch (err) {
          console.error(`cleanup of ${name} failed:`, err);
        }
      }
      this.running = undefined;
    })();
    return this.running;
  }

  /** Stops everything on SIGINT/SIGTERM, then exits with 130. */
  onSignals(): void {
    const handler = (signal: string) => {
      console.error(`\n${signal}: stopping every process the bench started`);
      void this.run().finally(() => process.exit(130));
    };
    process.once("SIGINT", handler);
    process.once("SIGTERM", handler);
  }
}
