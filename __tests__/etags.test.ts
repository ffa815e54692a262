/**
 * Conditional requests within one run (src/github/etags.ts; issue "True to real GitHub"): a hooks list read
 * again with its ETag is answered 304 and the earlier answer used; a list that changed meanwhile is
 * read in full; `apply`'s re-read of each target's hooks before it writes goes out with
 * `If-None-Match` and, answered 304, is not counted against the primary budget. Against the emulator,
 * which answers as recorded from GitHub (weak ETag, 304 without a body, not counted).
 */
import { expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fleetSeed, fleetServiceRepo } from '../emulator/fleet-seed.js'
import { runStep } from '../emulator/runner.js'
import type { HookTarget } from '../emulator/server.js'
import { clientFactory, withEtags, type Target } from '../src/github/index.js'
import { listHooks } from '../src/github/endpoints.js'
import { emulator, emulatorConnection, receiver, useEmulator } from './helpers/emulator.js'
import { LONG_AGO } from './helpers/trust.js'

useEmulator({ repos: [], ...fleetSeed({ count: 3, userCount: 0 }) }, 'etags-receiver-s3cret')

const repo = (i: number): HookTarget => ({ owner: 'octo-org', repo: fleetServiceRepo(i).name })

test('a hooks list read again is answered 304 and the earlier answer used; a changed list is read in full', async () => {
  const first = emulator.addHook(repo(0), { url: 'https://a.example.com/hook' })
  const makeClient = withEtags(clientFactory(emulatorConnection(), { retries: 0 }))
  const target: Target = { scope: 'repo', owner: 'octo-org', repo: fleetServiceRepo(0).name }
  const read = async (): Promise<number[]> => (await listHooks(makeClient(), target, { per_page: 100 })).items.map((hook) => hook.id)

  expect(await read()).toEqual([first.id])
  expect(await read()).toEqual([first.id]) // from the 304
  const second = emulator.addHook(repo(0), { url: 'https://b.example.com/hook' })
  expect(await read()).toEqual([first.id, second.id]) // changed: a full answer
  const lists = emulator.requests.filter((request) => request.path.endsWith('/hooks'))
  expect(lists.map((request) => [request.headers['if-none-match'] === undefined ? 'plain' : 'conditional', request.status])).toEqual([
    ['plain', 200],
    ['conditional', 304],
    ['conditional', 200]
  ])
  expect(makeClient.etags).toMatchObject({ conditional: 2, notModified: 1 })
  // Other GETs are not made conditional.
  await makeClient().request('GET /repos/{owner}/{repo}/hooks/{hook_id}', { owner: 'octo-org', repo: fleetServiceRepo(0).name, hook_id: first.id })
  expect(emulator.requests.at(-1)?.headers['if-none-match']).toBeUndefined()
})

test('apply re-reads each target’s hooks with If-None-Match before it writes: answered 304, free of the primary budget', async () => {
  for (const i of [0, 1, 2]) emulator.addHook(repo(i), { url: receiver.url, events: ['push'], content_type: 'json', created_at: LONG_AGO })
  const path = join(mkdtempSync(join(tmpdir(), 'etags-')), 'webhooks.yml')
  writeFileSync(path, `hooks:\n  - name: deploy\n    url: ${receiver.url}\n    events: [push, pull_request]\n    repositories: ['octo-org/svc-*']\n`)
  const run = await runStep({ token: 'test-token', api_url: emulator.url, operation: 'apply', file: path, verify: 'false' })
  expect(run.exitCode).toBe(0)
  expect(run.outputs.result_counts).toBe(JSON.stringify({ updated: 3 }))
  for (const i of [0, 1, 2]) expect(emulator.hooks(repo(i))[0].events).toEqual(['push', 'pull_request'])
  const lists = emulator.requests.filter((request) => /^\/repos\/octo-org\/svc-\d+\/hooks$/.test(request.path))
  // Per repository: the plan's read (200, with an ETag), then apply's re-read (conditional, 304).
  expect(lists.filter((request) => request.status === 200 && request.headers['if-none-match'] === undefined)).toHaveLength(3)
  expect(lists.filter((request) => request.status === 304 && request.headers['if-none-match'] !== undefined)).toHaveLength(3)
  expect(run.stdout).toContain('3 of 3 hooks lists read again were answered 304 Not Modified (free of the primary budget).')
})
