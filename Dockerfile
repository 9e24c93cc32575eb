# One image for every gateway node; the municipality comes from the environment.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci --no-audit --no-fund
COPY . .
ENV HOST=0.0.0.0 PORT=8080
EXPOSE 8080
CMD ["sh", "-c", "npx prisma migrate deploy && exec npx tsx services/gateway/src/main.ts"]
