import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'bench/results/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Library code logs through the injected Logger, never the console.
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: { 'no-console': 'error' },
  },
  {
    // Code a browser loads must stay small (test/bundle/client-size.test.ts): classic zod is ~100 kB
    // min+gzip, `import { z } from 'zod/mini'` defeats tree-shaking, and fflate is only for runtimes
    // without native streams (import it dynamically). Server-only code may use classic zod.
    files: [
      'src/core/**/*.ts',
      'src/protocol/**/*.ts',
      'src/transport/**/*.ts',
      'src/stores/**/*.ts',
      'src/facade/**/*.ts',
      'src/network/**/*.ts',
      'src/domain/**/*.ts',
      'src/index.ts',
      'src/indexeddb.ts',
      'src/receipts.ts',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'zod', message: "Client code validates with zod/mini: import * as z from 'zod/mini'." },
            { name: 'zod/v4', message: "Client code validates with zod/mini: import * as z from 'zod/mini'." },
            { name: 'fflate', allowTypeImports: true, message: "Load fflate with `await import('fflate')` where a native stream is missing." },
          ],
          patterns: [{ group: ['zod/v3', 'zod/v4/classic', 'zod/v4/classic/*', 'zod/v4/locales/*'], message: "Client code validates with zod/mini: import * as z from 'zod/mini'." }],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='zod/mini'] > ImportSpecifier[imported.name='z']",
          message: "import * as z from 'zod/mini': the named `z` pulls all of zod into a browser bundle.",
        },
      ],
    },
  },
  {
    // syncline's own formats (wire messages, stored rows) are checked with src/protocol/shape.ts:
    // zod/mini alone was 5.5 kB of the web client's 30 kB budget. Applications still bring any
    // Standard Schema (zod included) for their records; the receipts domain (src/domain) uses zod/mini.
    files: ['src/core/**/*.ts', 'src/protocol/**/*.ts', 'src/transport/**/*.ts', 'src/stores/**/*.ts', 'src/facade/**/*.ts', 'src/network/**/*.ts', 'src/index.ts', 'src/indexeddb.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'fflate', allowTypeImports: true, message: "Load fflate with `await import('fflate')` where a native stream is missing." },
          ],
          patterns: [{ group: ['zod', 'zod/*'], message: 'The client core checks its formats with src/protocol/shape.ts, not zod (test/bundle/client-size.test.ts).' }],
        },
      ],
    },
  },
);
