// The API reference builds from the public entry points without a warning: a type that a public
// signature uses but no entry point exports (or a broken {@link}) fails here, not on the docs site.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO, run } from './user-project.js';

it('TypeDoc builds the API reference without warnings', async () => {
  const result = await run(join(REPO, 'node_modules', '.bin', 'typedoc'), ['--emit', 'none'], { cwd: REPO });
  expect(result.stdout + result.stderr).toBe('');
  expect(result.code).toBe(0);
}, 180_000);
