import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    sqlite: 'src/sqlite.ts',
    server: 'src/server.ts',
    testing: 'src/testing.ts',
    receipts: 'src/receipts.ts',
    indexeddb: 'src/indexeddb.ts',
    sw: 'src/sw.ts',
    react: 'src/react.ts',
    'react-native': 'src/react-native.ts',
    'cli/main': 'src/cli/main.ts',
  },
  format: ['esm'],
  dts: true,
  platform: 'neutral',
  external: [/^node:/, 'better-sqlite3', 'kysely', 'hono', /^@hono\//, 'zod', 'pg', 'idb', 'fflate', 'vitest', 'prom-client', 'react', /^react\//],
});
