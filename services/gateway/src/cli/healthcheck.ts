// The container health check (Dockerfile, docker-compose.yml): exit 0 when this node's /health
// says up, else 1. Plain node, no dependencies, so it runs in the runtime image as it is.
const port = process.env.PORT ?? '8080';
try {
  const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(4000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
