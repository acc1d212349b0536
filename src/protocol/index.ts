export * from "./events.js";
export * from "./error-codes.js";
export * from "./limits.js";
export * from "./protocol-error.js";
export * from "./validate.js";
export * from "./cluster-view.js";
