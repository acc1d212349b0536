# Stand-in for haproxy:2.8 where no image registry is reachable, built by
# test/harness/stand-in-images.ts on a debootstrapped Debian bookworm (BASE). Debian's HAProxy is
# 2.6: deploy/haproxy.cfg uses nothing newer. What docker-compose.yml relies on: the default
# command runs /usr/local/etc/haproxy/haproxy.cfg in the foreground (the real image's entrypoint
# adds -W -db the same way), as the non-root `haproxy` user, stopped gracefully by SIGUSR1.
ARG BASE
FROM ${BASE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends haproxy \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && mkdir -p /usr/local/etc/haproxy
WORKDIR /var/lib/haproxy
USER haproxy
STOPSIGNAL SIGUSR1
CMD ["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]
