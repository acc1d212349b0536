# Stand-in for the official postgres image (postgres:<major>-bookworm) where no image registry is
# reachable, built by test/harness/stand-in-images.ts on a debootstrapped Debian bookworm (BASE).
# Debian's PostgreSQL is 15 whatever the tag says: the archive's SQL needs nothing newer than 13.
# What docker-compose.yml relies on, as in the real image: POSTGRES_PASSWORD (required),
# POSTGRES_USER (default postgres) and POSTGRES_DB (default the user) on the first start, PGDATA
# /var/lib/postgresql/data as the volume, password (scram-sha-256) logins over the network,
# `pg_isready` on PATH, the server running as the non-root `postgres` user, SIGINT to stop fast.
ARG BASE
FROM ${BASE}
# No cluster from the package's maintainer scripts: the entrypoint makes the one in PGDATA.
RUN mkdir -p /etc/postgresql-common \
 && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confold postgresql-15 \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
 && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PGDATA=/var/lib/postgresql/data PATH=/usr/lib/postgresql/15/bin:$PATH
VOLUME /var/lib/postgresql/data
ENTRYPOINT ["sh", "/usr/local/bin/docker-entrypoint.sh"]
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
