/**
 * Secrets never leak: every operation runs as a runner runs it (the bundled dist/index.js in its own
 * process; for the organization scope, the same code in-process) with step debug logging on, and the webhook secret, the token and the credentials of the
 * hook URL appear nowhere in stdout, stderr, outputs or the job summary except in `::add-mask::`.
 * (leaks-url-shapes.test.ts does so for each shape of URL credential the README names.)
 */
import { expect, test } from '@jest/globals'
import { runStep, type StepRun } from '../emulator/runner.js'
import { runAction } from './helpers/action.js'
import { emulator, receiver, useEmulator } from './helpers/emulator.js'
import { leaks } from './helpers/leaks.js'

const SECRET = 'leak-hunt-s3cret'
const TOKEN = 'leak-hunt-token'
useEmulator({ tokens: [TOKEN] }, SECRET)

test.each(['repo', 'org'] as const)('%s: every operation, with RUNNER_DEBUG=1, shows no secret, token or URL credential', async (scope) => {
  const url = new URL(receiver.url)
  url.username = 'hook-user'
  url.password = 'pa55-w0rd'
  url.searchParams.set('token', 'qu3ry-t0ken')
  const hookUrl = url.toString()
  const rotated = 'leak-hunt-r0tated'
  const previous = 'leak-hunt-prev1ous'
  const secrets = [SECRET, TOKEN, 'pa55-w0rd', 'qu3ry-t0ken', 'hook-user', rotated, previous]
  // The repository scope runs the bundled action, a process per step; the organization scope runs the
  // same code in this process (the only differences are its routes and words), each step with its own inputs.
  const runner = scope === 'repo' ? runStep : runAction
  const step = async (inputs: Record<string, string>): Promise<StepRun> => {
    const run = await runner(
      { scope, token: TOKEN, api_url: emulator.url, repository: 'octo-org/hello-world', url: hookUrl, ...inputs },
      { RUNNER_DEBUG: '1' }
    )
    expect({ operation: inputs.operation, leaks: leaks(run, secrets) }).toEqual({ operation: inputs.operation, leaks: [] })
    expect(run.stdout).toContain('::debug::') // debug logging was really on
    return run
  }

  const created = await step({ operation: 'create', secret: SECRET, events: 'push' })
  expect(created.exitCode).toBe(0)
  expect(created.stdout).toContain('::add-mask::pa55-w0rd')
  expect(JSON.parse(created.outputs.hook).config).toMatchObject({ secret: '********', url: expect.stringContaining('***') })
  const hook_id = created.outputs.hook_id
  await step({ operation: 'list', url: '' })
  await step({ operation: 'get' })
  await step({ operation: 'update', events: 'push, release' })
  await step({ operation: 'get-config' })
  await step({ operation: 'update-config', hook_id, secret: SECRET })
  await step({ operation: 'ensure', secret: SECRET, events: 'push, release' })
  const pinged = await step({ operation: 'ping', fail_on_delivery_error: 'false' })
  await emulator.idle()
  expect(receiver.received.some((r) => r.event === 'ping' && r.signatureValid)).toBe(true)
  if (scope === 'repo') await step({ operation: 'test' })
  const listed = await step({ operation: 'list-deliveries' })
  const delivery_id = JSON.parse(listed.outputs.deliveries)[0].id
  expect(pinged.outputs.delivery_id).toBeDefined()
  await step({ operation: 'get-delivery', delivery_id: String(delivery_id) })
  await step({ operation: 'redeliver', delivery_id: String(delivery_id) })
  await step({ operation: 'redeliver-failed' })
  await step({ operation: 'list-deliveries', hook_id, url: '', secret: SECRET }) // an ignored secret: warned about, still masked
  // The secret audit and rotation: previous_secret and the new secret are masked like secret.
  const audited = await step({ operation: 'audit-secret', secret: SECRET, previous_secret: previous })
  expect(JSON.parse(audited.outputs.audit)).toEqual([expect.objectContaining({ verdict: 'current' })])
  const rotation = await step({ operation: 'rotate-secret', secret: rotated, previous_secret: SECRET })
  expect(JSON.parse(rotation.outputs.results)).toEqual([expect.objectContaining({ result: 'rotated' })])
  await step({ operation: 'audit-secret', secret: previous, previous_secret: rotated, fail_on_mismatch: 'false' })
  await step({ operation: 'rotate-secret', secret: SECRET, previous_secret: rotated, dry_run: 'true' })
  await step({ operation: 'ensure-absent', dry_run: 'true' })
  await step({ operation: 'delete' })
  await emulator.idle()
  expect(emulator.hooks(scope === 'repo' ? { owner: 'octo-org', repo: 'hello-world' } : { org: 'octo-org' })).toEqual([])
  // a failing step leaks nothing either
  const failed = await step({ operation: 'get', secret: SECRET })
  expect(failed.exitCode).toBe(1)
})
