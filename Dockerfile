# FinanceLake worker image (docker-compose.yml: services `worker` and `financelake-setup`).
# Runs TypeScript with tsx, like the local commands; configuration only from the environment.

# Production npm dependencies (native: @temporalio/core-bridge, @duckdb/node-api).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# DuckDB's signed httpfs and delta extensions, fetched the way infra/install.sh does locally.
FROM python:3.11-slim-bookworm AS duckdb-extensions
WORKDIR /app
COPY infra/install.sh infra/install.sh
RUN FINANCELAKE_INFRA_DIR=/app/.infra bash infra/install.sh duckdb

FROM node:20-bookworm-slim
# Two malloc arenas, not one per thread: DuckDB's threads otherwise leave the worker's RSS hundreds of MB above its memory limit.
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    FINANCELAKE_INFRA_DIR=/app/.infra \
    DUCKDB_EXTENSION_DIRECTORY=/app/.infra/duckdb_extensions \
    DUCKDB_TEMP_DIRECTORY=/tmp/duckdb \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY --from=duckdb-extensions /app/.infra/duckdb_extensions .infra/duckdb_extensions
COPY . .
USER node
# SIGTERM lets the worker finish its running activities (compose: stop_grace_period).
STOPSIGNAL SIGTERM
CMD ["node_modules/.bin/tsx", "workers/main.ts"]
