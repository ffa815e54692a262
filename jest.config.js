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
  // The tests mostly wait on sockets and timers, not on the CPU: more workers than cores pay off (6: 40 s, 4: 55 s on 2 cores).
  maxWorkers: 6,
  testTimeout: 30000,
  clearMocks: true
}
