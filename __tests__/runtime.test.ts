import { expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'

test('tests run under Node 24, the runtime of runs.using: node24', () => {
  expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24)
  expect(readFileSync(new URL('../action.yml', import.meta.url), 'utf8')).toMatch(/^ {2}using: 'node24'$/m)
})
