# Tern: one image for `tern serve`, `tern worker` and `tern migrate`.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY templates ./templates
COPY web ./web
# The build's last part (build:web) is a script of its own.
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
# glibc's malloc keeps less after a burst with a fixed trim threshold (src/core/process-settings.ts).
ENV NODE_ENV=production TERN_DATA_DIR=/data GLIBC_TUNABLES=glibc.malloc.trim_threshold=131072
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/templates ./templates
COPY package.json ./
RUN mkdir -p /data && chown node:node /data
# SQLite's data (the database, key and token). Declared after the chown: a new volume starts as
# the image's /data, owned by node. Unused with DATABASE_URL (nothing is kept on disk).
VOLUME /data
USER node
EXPOSE 3000
# For `serve` (the default command): /readyz answers 200 while the database takes reads and
# deliveries' commits. The slim image has no curl, so Node's fetch. A `worker` or `migrate`
# container serves no HTTP: run those with --no-healthcheck (docker-compose.yml disables it).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const h=process.env.TERN_HOST||'';const host=h===''||h==='0.0.0.0'||h==='::'?'127.0.0.1':h.includes(':')?'['+h+']':h;fetch('http://'+host+':'+(process.env.TERN_PORT||'3000')+'/readyz',{signal:AbortSignal.timeout(4000)}).then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "--max-semi-space-size=2", "--max-old-space-size=512", "--v8-pool-size=2", "dist/bin/tern.js"]
CMD ["serve"]
