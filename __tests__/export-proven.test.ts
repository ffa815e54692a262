/**
 * What docs/webhooks-as-code.md says a `plan` of a fresh `export` shows (issue "True to real GitHub"):
 * where a secret is set and a delivery within GitHub's retention is signed with it, `unchanged` (the
 * secret proven), not `write-secret`; `write-secret` only where no delivery proves it. Through the
 * bundled action against the emulator.
 */
import { expect, test } from '@jest/globals'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fleetSeed, fleetServiceRepo } from '../emulator/fleet-seed.js'
import { runStep } from '../emulator/runner.js'
import type { HookTarget } from '../emulator/server.js'
import { emulator, receiver, useEmulator } from './helpers/emulator.js'
import { LONG_AGO } from './helpers/trust.js'

const SECRET = 'export-proven-s3cret'
useEmulator({ repos: [], ...fleetSeed({ count: 3, userCount: 0 }) }, SECRET)

const RECENT = () => new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z')
const repo = (i: number): HookTarget => ({ owner: 'octo-org', repo: fleetServiceRepo(i).name })

test('a plan of a fresh export shows unchanged where a delivery proves the secret, write-secret only where none does', async () => {
  for (const i of [0, 1, 2]) {
    const hook = emulator.addHook(repo(i), { url: receiver.url, events: ['push'], secret: SECRET, content_type: 'json', created_at: LONG_AGO })
    if (i < 2) emulator.addDelivery(repo(i), hook.id, { delivered_at: RECENT() }) // signed with the hook's secret
  }
  const path = join(mkdtempSync(join(tmpdir(), 'export-proven-')), 'webhooks.yml')
  const exported = await runStep({
    token: 'test-token',
    api_url: emulator.url,
    operation: 'export',
    repositories: 'octo-org/svc-00[0-2]',
    file: path
  })
  expect(exported.exitCode).toBe(0)
  const names = [...readFileSync(path, 'utf8').matchAll(/^\s*secret_env: (\w+)/gm)].map((match) => match[1])
  expect(names).toHaveLength(1) // one entry for the three identical hooks
  const plan = await runStep(
    { token: 'test-token', api_url: emulator.url, operation: 'plan', file: path },
    Object.fromEntries(names.map((name) => [name, SECRET]))
  )
  expect(plan.exitCode).toBe(0)
  const actions = Object.fromEntries(
    (JSON.parse(plan.outputs.plan) as { target: string; action: string }[]).map((item) => [item.target, item.action])
  )
  expect(actions).toEqual({
    [`octo-org/${fleetServiceRepo(0).name}`]: 'unchanged',
    [`octo-org/${fleetServiceRepo(1).name}`]: 'unchanged',
    [`octo-org/${fleetServiceRepo(2).name}`]: 'write-secret' // no delivery to prove it
  })
})
