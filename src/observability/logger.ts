import { createRequire } from "node:module";
import { pino, type Logger } from "pino";

export interface LoggerOptions {
  /** @default "info" */
  level: string;
  /** Pretty output for a person at a terminal; JSON otherwise. @default false */
  pretty: boolean;
}

function hasPinoPretty(): boolean {
  try {
    createRequire(import.meta.url).resolve("pino-pretty");
    return true;
  } catch {
    return false; // a dev dependency: production images log JSON only
  }
}

/** JSON logs for machines; pretty ones only when asked for (a TTY) and pino-pretty is installed. */
export function createLogger(options: Partial<LoggerOptions> = {}): Logger {
  const { level = "info", pretty = false } = options;
  if (pretty && hasPinoPretty()) {
    return pino({ level, transport: { target: "pino-pretty", options: { colorize: true } } });
  }
  return pino({ level });
}
