/**
 * Secrets never leak: every operation runs as a runner runs it (the bundled dist/index.js in its own
 * process) with step debug logging on, and the webhook secret, the token and the credentials of the
 * hook URL appear nowhere in stdout, stderr, outputs or the job summary except in `::add-mask::`.
 * The second test does so for each shape of URL credential the README names (Slack, Discord, Azure
 * `?code=`, signed cloud URLs, Teams / Power Automate `sig=`, Jenkins `?token=`, `?key=`, a password
 * holding `& ' " < >`…).
 */
import { expect, test } from '@jest/globals'
import { runStep, type StepRun } from '../emulator/runner.js'
import { emulator, receiver, useEmulator } from './helpers/emulator.js'

const SECRET = 'leak-hunt-s3cret'
const TOKEN = 'leak-hunt-token'
useEmulator({ tokens: [TOKEN] }, SECRET)

/** Where a secret appears in a step's stdout, stderr, outputs or summary, other than in ::add-mask::. */
function leaks(run: StepRun, secrets: string[]): string[] {
  const places: Record<string, string> = {
    stdout: run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n'),
    stderr: run.stderr,
    outputs: JSON.stringify(run.outputs),
    summary: run.summary
  }
  return Object.entries(places).flatMap(([place, text]) => secrets.filter((secret) => text.includes(secret)).map((secret) => `${secret} in ${place}`))
}

test.each(['repo', 'org'] as const)('%s: every operation, with RUNNER_DEBUG=1, shows no secret, token or URL credential', async (scope) => {
  const url = new URL(receiver.url)
  url.username = 'hook-user'
  url.password = 'pa55-w0rd'
  url.searchParams.set('token', 'qu3ry-t0ken')
  const hookUrl = url.toString()
  const secrets = [SECRET, TOKEN, 'pa55-w0rd', 'qu3ry-t0ken', 'hook-user']
  const step = async (inputs: Record<string, string>): Promise<StepRun> => {
    const run = await runStep({ scope, token: TOKEN, api_url: emulator.url, repository: 'octo-org/hello-world', url: hookUrl, ...inputs }, { RUNNER_DEBUG: '1' })
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
  await step({ operation: 'ensure-absent', dry_run: 'true' })
  await step({ operation: 'delete' })
  await emulator.idle()
  expect(emulator.hooks(scope === 'repo' ? { owner: 'octo-org', repo: 'hello-world' } : { org: 'octo-org' })).toEqual([])
  // a failing step leaks nothing either
  const failed = await step({ operation: 'get', secret: SECRET })
  expect(failed.exitCode).toBe(1)
})

/**
 * One hook URL per credential shape, and the credentials that must not show (as written and decoded).
 * `origin` is the receiver's (`http://127.0.0.1:PORT`): deliveries there are answered (404 off
 * `/webhook`); the real hosts of the known services are never contacted (the emulator delivers to
 * loopback only and records "failed to connect").
 */
const URL_SHAPES: [name: string, url: (origin: string) => string, credentials: string[]][] = [
  ['Slack', () => 'https://hooks.slack.com/services/T0ABCDEF1/B0GHIJKL2/xoxbSlackT0kenAbCdEf1234', ['xoxbSlackT0kenAbCdEf1234']],
  ['Slack, short token', () => 'https://hooks.slack.com/services/T0ABCDEF1/B0GHIJKL2/sh0rtZ', ['sh0rtZ']],
  ['Slack-shaped path on another host', (o) => `${o}/services/T0ABCDEF1/B0GHIJKL2/sl4ckT0kenAbCdEfGh1234`, ['sl4ckT0kenAbCdEfGh1234']],
  ['Discord', () => 'https://discord.com/api/webhooks/123456789012345678/Dx-9_discordT0kenAbCdEfGhIjKlMnOpQrStUvWxYz/github', ['Dx-9_discordT0kenAbCdEfGhIjKlMnOpQrStUvWxYz']],
  ['Azure Functions ?code=', (o) => `${o}/api/HttpTrigger1?code=AzFuncK3y%3D%3D&clientId=default`, ['AzFuncK3y%3D%3D', 'AzFuncK3y==']],
  ['X-Amz-Signature', (o) => `${o}/obj.json?X-Amz-Expires=900&X-Amz-Signature=0badc0ffee1234567890`, ['0badc0ffee1234567890']],
  ['sig', (o) => `${o}/hooks/in?sv=2022-11-02&sig=SaS%2Bsig%3D123abc`, ['SaS%2Bsig%3D123abc', 'SaS+sig=123abc']],
  ['signature', (o) => `${o}/hook?signature=5ignatureValue99`, ['5ignatureValue99']],
  [
    'Teams / Power Automate sig=',
    (o) => `${o}/workflows/0123456789abcdef0123456789abcdef/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=PaSig-AbC_dEf123456`,
    ['0123456789abcdef0123456789abcdef', 'PaSig-AbC_dEf123456']
  ],
  ['Jenkins ?token=', (o) => `${o}/generic-webhook-trigger/invoke?token=j3nkinsT`, ['j3nkinsT']],
  ['Jenkins ?token=, short', (o) => `${o}/job/deploy/build?token=tQkZ`, ['tQkZ']],
  ['generic ?key=', (o) => `${o}/hook?key=K3y-value-42`, ['K3y-value-42']],
  ["user:password with & ' \" < >", (o) => o.replace('//', "//deploybot:Pa&ss'w0rd%22%3C%3E@") + '/webhook', ['deploybot', "Pa&ss'w0rd%22%3C%3E", 'Pa&ss\'w0rd"<>', 'Pa&#38;ss', 'Pa&amp;ss', 'Pa%26ss']],
  ['token as user name', (o) => o.replace('//', '//t0kenAsUser123@') + '/webhook', ['t0kenAsUser123']]
]

test.each(URL_SHAPES)('%s: the URL credentials show nowhere (create, list, get, ensure, delete, a failure; RUNNER_DEBUG=1)', async (_name, build, credentials) => {
  const hookUrl = build(new URL(receiver.url).origin)
  const secrets = [SECRET, TOKEN, ...credentials]
  const step = async (inputs: Record<string, string>, exitCode = 0): Promise<StepRun> => {
    const run = await runStep({ token: TOKEN, api_url: emulator.url, repository: 'octo-org/hello-world', url: hookUrl, ...inputs }, { RUNNER_DEBUG: '1' })
    expect({ operation: inputs.operation, exitCode: run.exitCode, leaks: leaks(run, secrets) }).toEqual({ operation: inputs.operation, exitCode, leaks: [] })
    return run
  }

  const created = await step({ operation: 'create', secret: SECRET, events: 'push' })
  expect(JSON.parse(created.outputs.hook).config.url).toContain('***')
  expect(created.summary).toContain('***')
  const hook_id = created.outputs.hook_id
  await step({ operation: 'list', url: '' })
  await step({ operation: 'get' })
  const ensured = await step({ operation: 'ensure', events: 'push, release' }) // no secret: no verifying ping, which the receiver would answer 404
  expect(ensured.outputs.result).toBe('updated')
  // a failure whose message quotes the hook's URL: hook_id and url name different hooks
  const failed = await step({ operation: 'get', hook_id, url: `${hookUrl}${hookUrl.includes('?') ? '&' : '?'}other=1` }, 1)
  expect(failed.stdout).toContain('::error::')
  await step({ operation: 'delete' })
  await emulator.idle()
  expect(emulator.hooks({ owner: 'octo-org', repo: 'hello-world' })).toEqual([])
})
