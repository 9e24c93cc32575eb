// Prisma CLI configuration: the JS schema engine with a driver adapter, so no engine binary is
// downloaded (Prisma 6.19 with `engine: "js"` runs its WebAssembly schema engine from the npm
// package; Prisma 7 CLIs try to download one). PGLITE_DIR selects the embedded database.
import { defineConfig } from 'prisma/config';

// The CLI insists on a postgresql:// URL even when the adapter is PGlite; unset, it tries a download.
if (!process.env.DATABASE_URL) process.env.DATABASE_URL = 'postgresql://placeholder@localhost/placeholder';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  experimental: { adapter: true },
  engine: 'js',
  async adapter() {
    if (process.env.PGLITE_DIR) {
      const { PGlite } = await import('@electric-sql/pglite');
      const { PrismaPGlite } = await import('pglite-prisma-adapter');
      // Built against another driver-adapter-utils version: same shape, other types.
      const { PrismaPg } = await import('@prisma/adapter-pg');
      return new PrismaPGlite(new PGlite(process.env.PGLITE_DIR)) as unknown as InstanceType<typeof PrismaPg>;
    }
    const { PrismaPg } = await import('@prisma/adapter-pg');
    return new PrismaPg({ connectionString: process.env.DATABASE_URL });
  },
});
