# One image for every gateway node (docker-compose.yml builds it once); the municipality, its
# database, broker user and key folder come from the environment.

# Build stage: all dependencies, Prisma client generated, TypeScript compiled to dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY services ./services
RUN npx prisma generate && npm run build

# Runtime stage: production dependencies only (no TypeScript, no tsx, no test tools), compiled
# JavaScript, the data files the node reads, and an unprivileged user.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1 MALLOC_ARENA_MAX=2
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
# --ignore-scripts: the Prisma client is already generated and compiled into dist/. --omit=optional:
# TypeScript is an optional peer of Prisma, and would otherwise come along.
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY contracts ./contracts
COPY schemas ./schemas
COPY LICENSE ./
# Mount points owned by the node user, so a fresh named volume mounted there is writable by it.
RUN mkdir -p /var/lib/kommunebro/keys /var/lib/kommunebro/trust && chown -R node:node /var/lib/kommunebro
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=6 \
  CMD ["node", "dist/gateway/src/cli/healthcheck.js"]
# The node, with its own database role. Migrations are the owner's step, run before it (and after
# every upgrade) from the same image with the owner's URL: `node dist/gateway/src/setup-database.js`
# (docker-compose.yml: the migrate-<code> jobs; docs/OPERATIONS.md, "Database roles"). The heap flags and
# MALLOC_ARENA_MAX above: services/gateway/src/runtime-flags.ts (docs/OPERATIONS.md, "Memory").
CMD ["node", "--max-semi-space-size=2", "--max-old-space-size=512", "dist/gateway/src/main.js"]
