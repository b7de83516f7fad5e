# syntax=docker/dockerfile:1
# The reference sync server as an image: `docker build -t syncline .`, then see compose.yaml.
# Stages: build the package and pack it as npm would publish it; install that tarball with its server
# peers (native better-sqlite3 needs a compiler where no prebuilt binary fits); a slim runtime without
# the compiler that runs as the unprivileged `node` user.

FROM node:20-slim AS toolchain
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*

FROM toolchain AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsdown.config.ts README.md LICENSE CHANGELOG.md ./
COPY docs ./docs
COPY src ./src
RUN npm run build && npm pack --pack-destination /tmp && mv /tmp/syncline-*.tgz /tmp/syncline.tgz

FROM toolchain AS install
WORKDIR /app
COPY --from=build /tmp/syncline.tgz /tmp/syncline.tgz
# The optional peers a server needs: SQLite and PostgreSQL drivers, the HTTP and WebSocket layers,
# JWT verification, Prometheus metrics.
RUN npm init -y >/dev/null \
 && npm install --omit=dev /tmp/syncline.tgz better-sqlite3@^12.11.1 kysely@^0.28.0 pg@^8.23.0 hono@^4.13.0 @hono/node-server@^2.1.0 ws@^8.23.0 jose@^6.2.17 prom-client@^15.1.3

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=install --chown=node:node /app /app
COPY examples/server-config/syncline.config.json /config/syncline.config.json
RUN install -d -o node -g node /data
USER node
EXPOSE 8787
VOLUME ["/data"]
# No curl in node:20-slim: Node's fetch asks the readiness endpoint (200 once the database is reachable).
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8787/v1/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Secrets and URLs from the environment: SYNCLINE_DB_URL, SYNCLINE_JWT_SECRET, SYNCLINE_METRICS_TOKEN…
CMD ["node", "/app/node_modules/syncline/dist/cli/main.js", "serve", "--config", "/config/syncline.config.json"]
