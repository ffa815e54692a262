/**
 * Regression tests from the hostile review of issue 26: URLs compare as one URL once serialized
 * (WHATWG: `https://h?x` is `https://h/?x`) in export's grouping and in the plan's check that a hook
 * belongs to at most one entry, as they already did in the file's own check.
 */
import { expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { StepRun } from '../emulator/runner.js'
import type { HookTarget } from '../emulator/server.js'
import { runAction } from './helpers/action.js'
import { emulator, receiver, useEmulator } from './helpers/emulator.js'
import { LONG_AGO } from './helpers/trust.js'

const SECRET = 'trust-apply-s3cret'
useEmulator({ repos: ['octo-org/svc-a', 'octo-org/svc-b', 'octo-org/api'] }, SECRET)
const dir = mkdtempSync(join(tmpdir(), 'r26-'))
const repo = (name: string): HookTarget => ({ owner: 'octo-org', repo: name })
const step = (inputs: Record<string, string>, extra: Record<string, string> = {}): Promise<StepRun> =>
  runAction({ token: 'test-token', api_url: emulator.url, repository: '', ...inputs }, extra)
const writes = () => emulator.requests.filter((r) => r.method !== 'GET')
const errors = (run: StepRun): string[] => run.stdout.split('\n').filter((l) => l.startsWith('::error'))
const file = (text: string): string => {
  const path = join(dir, `w-${Math.random().toString(36).slice(2)}.yml`)
  writeFileSync(path, text)
  return path
}
const origin = () => new URL(receiver.url).origin

test('export of two hooks whose URLs are one URL once serialized (?x and /?x) leaves them out, and plan accepts what it wrote', async () => {
  emulator.addHook(repo('svc-a'), { url: `${origin()}?hook=x`, events: ['push'], created_at: LONG_AGO })
  emulator.addHook(repo('svc-a'), { url: `${origin()}/?hook=x`, events: ['issues'], created_at: LONG_AGO })
  emulator.addHook(repo('svc-a'), { url: `${origin()}/other`, events: ['push'], created_at: LONG_AGO })
  const path = join(dir, 'exp1.yml')
  const ex = await step({ operation: 'export', repositories: 'octo-org/svc-a', file: path })
  expect(ex.stdout).toMatch(/::warning::Not exported, because they share their URL/)
  const plan = await step({ operation: 'plan', file: path })
  expect({ exit: plan.exitCode, errors: errors(plan) }).toEqual({ exit: 0, errors: [] })
})

test('two entries through two globs whose URLs are one URL once serialized are refused before any write', async () => {
  const path = file(
    `hooks:\n  - name: a\n    url: '${origin()}?hook=x'\n    repositories: [octo-org/svc-*]\n  - name: b\n    url: '${origin()}/?hook=x'\n    repositories: [octo-org/svc-a*]\n`
  )
  const before = writes().length
  const run = await step({ operation: 'apply', file: path })
  expect(writes().length - before).toBe(0)
  expect(run.exitCode).toBe(1)
})
