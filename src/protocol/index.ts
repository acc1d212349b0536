export * from "./events.js";
export * from "./common.js";
export * from "./moderation-events.js";
export * from "./moderation-limits.js";
export * from "./error-codes.js";
export * from "./limits.js";
export * from "./protocol-error.js";
export * from "./validate.js";
