/** Process entry: config, logger, runtime, signals. */
import { ConfigError, loadConfig } from "./config.js";
import { createLogger } from "./observability/logger.js";
import { startRuntime } from "./runtime.js";

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel, pretty: process.stdout.isTTY === true });
  let runtime;
  try {
    runtime = await startRuntime(config, logger);
  } catch (err) {
    // What config names but only the start can check (e.g. an unwritable DATA_DIR).
    if (err instanceof ConfigError) {
      logger.fatal({ variable: err.variable }, err.message);
      console.error(`configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    // runtime.close() budgets its steps within SHUTDOWN_TIMEOUT_MS; this is the hard stop.
    const deadline = setTimeout(() => {
      logger.error("shutdown deadline passed; exiting");
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    runtime.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  // Background promises nobody awaits (e.g. the adapter's SSUBSCRIBE during a Redis failover) must
  // not kill the process; they are logged, and readiness reports the lost subscription.
  process.on("unhandledRejection", (err) => logger.error({ err }, "unhandled rejection"));
}

main().catch((err: unknown) => {
  console.error("fatal:", err);
  process.exit(1);
});
