import { availableParallelism } from 'node:os'

/**
 * Jest under ESM (ts-jest default-esm preset). Run through `npm test`, which starts Node 24 with
 * --experimental-vm-modules. The mapper strips the `.js` suffix of relative imports so that
 * `import './x.js'` resolves to `x.ts`, as tsc and ncc resolve it.
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  setupFiles: ['<rootDir>/__tests__/helpers/setup.ts'],
  // Sized from the machine: the tests wait on sockets and timers more than they compute, so twice the
  // cores pay off, but each bundled step is a Node process of its own; more workers than that made
  // tests that run many steps time out on 2 cores (6 workers: leaks.test.ts failed 2 runs of 2).
  maxWorkers: Math.max(2, Math.min(8, availableParallelism() * 2)),
  // A generous bound: a slow machine must not fail a test that would pass; a hang still fails.
  testTimeout: 90000,
  clearMocks: true
}
