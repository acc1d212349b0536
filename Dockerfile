# The chat server image: built with dev dependencies, run with production ones only, as a non-root
# user. Debian slim rather than Alpine: the same glibc Node the tests run on, no musl surprises.
#   docker build -t live-chat .      (docker-compose.yml builds it as the `chat` service)

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# `npm run build` compiles src/ to dist/ and bundles the browser pages into public/build/.
# mkdir: the runtime stage copies public/ even if a build has no pages.
RUN npm run build && mkdir -p public

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
# Owned by root and only readable by the `node` user that runs the server: the process cannot
# rewrite its own code.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/dist ./dist
COPY --from=build /app/public ./public
# Embedded mode (no Redis) keeps every message in DATA_DIR/archive.sqlite: a directory the `node`
# user may write, to mount a volume on (`docker run -v chat-data:/data ...`). Unused with Redis.
ENV DATA_DIR=/data
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
# Liveness only (/healthz); the load balancer routes by readiness (/readyz, 503 while draining).
# Node itself makes the request: the slim image has no curl or wget.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# main.ts drains on SIGTERM (readiness goes 503, clients are moved) within SHUTDOWN_TIMEOUT_MS.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
