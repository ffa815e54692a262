/**
 * Regression test from the hostile review of issue 28: apply's conditional re-read must not reuse a
 * hooks list that another writer changed past its first page (a full page keeps its ETag while its
 * Link gains a next page). With and without the run's ETags, apply finds the hook and updates it.
 */
import { expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fleetSeed, fleetServiceRepo } from '../emulator/fleet-seed.js'
import type { HookTarget } from '../emulator/server.js'
import { clientFactory, withEtags } from '../src/github/index.js'
import { applyPlan, computePlan } from '../src/jobs/index.js'
import { readWebhooksFile } from '../src/inputs/webhooks-file.js'
import { emulator, emulatorConnection, receiver, useEmulator } from './helpers/emulator.js'

useEmulator({ repos: [], ...fleetSeed({ count: 1, userCount: 0 }) }, 'r28-s3cret')
const repo = (i: number): HookTarget => ({ owner: 'octo-org', repo: fleetServiceRepo(i).name })

for (const etags of [false, true])
  test(`apply after another writer added the entry's hook on page 2 (etags ${etags})`, async () => {
    const events = ['issues', 'create', 'delete', 'fork', 'release']
    for (let i = 0; i < 100; i++) emulator.addHook(repo(0), { url: `https://h${i}.example.com/hook`, events: [events[Math.floor(i / 20)]] })
    const path = join(mkdtempSync(join(tmpdir(), 'r28-')), 'webhooks.yml')
    writeFileSync(
      path,
      `hooks:\n  - name: deploy\n    url: ${receiver.url}\n    events: [push]\n    repositories: ['octo-org/${fleetServiceRepo(0).name}']\n`
    )
    const file = readWebhooksFile(path, {})
    const base = clientFactory(emulatorConnection(), { retries: 0 })
    const makeClient = etags ? withEtags(base) : base
    const plan = await computePlan(makeClient(), file)
    emulator.addHook(repo(0), { url: receiver.url, events: ['pull_request'], content_type: 'json' })
    const applied = await applyPlan(plan, file, makeClient, { timeout_ms: 5000 }, { fail_fast: false })
    const hooks = emulator.hooks(repo(0)).filter((h) => h.config.url === receiver.url)
    expect(hooks.length).toBe(1)
    expect(applied.results[0].result).not.toBe('failed')
  })
