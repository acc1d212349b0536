# Stand-in for redis:7.2-bookworm where no image registry is reachable, built by
# test/harness/stand-in-images.ts on a debootstrapped Debian bookworm (BASE). Debian's Redis is 7.0:
# redis-cluster/node.conf and bootstrap.sh use nothing newer (hostname endpoints are 7.0).
# What docker-compose.yml relies on: redis-server and redis-cli on PATH, /data as the working
# directory and volume, the server not running as root.
ARG BASE
FROM ${BASE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server redis-tools \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && mkdir /data && chown redis:redis /data
VOLUME /data
WORKDIR /data
USER redis
EXPOSE 6379
CMD ["redis-server"]
