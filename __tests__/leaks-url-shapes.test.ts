/**
 * Secrets never leak, for each shape of URL credential the README names (Slack, Discord, Azure
 * `?code=`, signed cloud URLs, Teams / Power Automate `sig=`, Jenkins `?token=`, `?key=`, a password
 * holding `& ' " < >`…): the bundled action, run as a runner runs it with step debug logging on,
 * shows none of them in stdout, stderr, outputs or the job summary except in `::add-mask::`; a
 * failure that quotes the URL is checked in-process (the same code, without a second process start).
 */
import { expect, test } from '@jest/globals'
import { runStep, type StepRun } from '../emulator/runner.js'
import { runAction } from './helpers/action.js'
import { emulator, receiver, useEmulator } from './helpers/emulator.js'
import { leaks } from './helpers/leaks.js'

const SECRET = 'leak-hunt-s3cret'
const TOKEN = 'leak-hunt-token'
useEmulator({ tokens: [TOKEN] }, SECRET)

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
  [
    'Discord',
    () => 'https://discord.com/api/webhooks/123456789012345678/Dx-9_discordT0kenAbCdEfGhIjKlMnOpQrStUvWxYz/github',
    ['Dx-9_discordT0kenAbCdEfGhIjKlMnOpQrStUvWxYz']
  ],
  ['Azure Functions ?code=', (o) => `${o}/api/HttpTrigger1?code=AzFuncK3y%3D%3D&clientId=default`, ['AzFuncK3y%3D%3D', 'AzFuncK3y==']],
  ['X-Amz-Signature', (o) => `${o}/obj.json?X-Amz-Expires=900&X-Amz-Signature=0badc0ffee1234567890`, ['0badc0ffee1234567890']],
  ['sig', (o) => `${o}/hooks/in?sv=2022-11-02&sig=SaS%2Bsig%3D123abc`, ['SaS%2Bsig%3D123abc', 'SaS+sig=123abc']],
  ['signature', (o) => `${o}/hook?signature=5ignatureValue99`, ['5ignatureValue99']],
  [
    'Teams / Power Automate sig=',
    (o) =>
      `${o}/workflows/0123456789abcdef0123456789abcdef/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=PaSig-AbC_dEf123456`,
    ['0123456789abcdef0123456789abcdef', 'PaSig-AbC_dEf123456']
  ],
  ['Jenkins ?token=', (o) => `${o}/generic-webhook-trigger/invoke?token=j3nkinsT`, ['j3nkinsT']],
  ['Jenkins ?token=, short', (o) => `${o}/job/deploy/build?token=tQkZ`, ['tQkZ']],
  ['generic ?key=', (o) => `${o}/hook?key=K3y-value-42`, ['K3y-value-42']],
  [
    'user:password with & \' " < >',
    (o) => o.replace('//', "//deploybot:Pa&ss'w0rd%22%3C%3E@") + '/webhook',
    ['deploybot', "Pa&ss'w0rd%22%3C%3E", 'Pa&ss\'w0rd"<>', 'Pa&#38;ss', 'Pa&amp;ss', 'Pa%26ss']
  ],
  ['token as user name', (o) => o.replace('//', '//t0kenAsUser123@') + '/webhook', ['t0kenAsUser123']]
]

test.each(URL_SHAPES)(
  '%s: the URL credentials show nowhere (ensure creating the hook, a failure quoting the URL; RUNNER_DEBUG=1)',
  async (_name, build, credentials) => {
    const hookUrl = build(new URL(receiver.url).origin)
    const secrets = [SECRET, TOKEN, ...credentials]
    // The step that creates the hook runs the bundled action; the failing one runs in this process,
    // which has never seen these credentials (each shape has its own), so nothing masked them before.
    const step = async (inputs: Record<string, string>, exitCode = 0): Promise<StepRun> => {
      const all = { token: TOKEN, api_url: emulator.url, repository: 'octo-org/hello-world', url: hookUrl, ...inputs }
      const run = await (exitCode === 0 ? runStep : runAction)(all, { RUNNER_DEBUG: '1' })
      expect({ operation: inputs.operation, exitCode: run.exitCode, leaks: leaks(run, secrets) }).toEqual({
        operation: inputs.operation,
        exitCode,
        leaks: []
      })
      return run
    }

    // ensure creates the hook from the url input (verify: false: most of these receivers are not on this machine)
    const ensured = await step({ operation: 'ensure', events: 'push, release', secret: SECRET, verify: 'false' })
    expect(ensured.outputs.result).toBe('created')
    expect(JSON.parse(ensured.outputs.hook).config.url).toContain('***')
    expect(ensured.summary).toContain('***')
    const hook_id = ensured.outputs.hook_id
    // a failure whose message quotes the hook's URL: hook_id and url name different hooks
    const failed = await step({ operation: 'get', hook_id, url: `${hookUrl}${hookUrl.includes('?') ? '&' : '?'}other=1` }, 1)
    expect(failed.stdout).toContain('::error::')
  }
)

test('hooks of every URL shape, read back from the API (list, get), show no credential', async () => {
  const origin = new URL(receiver.url).origin
  const target = { owner: 'octo-org', repo: 'hello-world' }
  for (const [, build] of URL_SHAPES) emulator.addHook(target, { url: build(origin), secret: SECRET })
  const secrets = [SECRET, TOKEN, ...URL_SHAPES.flatMap(([, , credentials]) => credentials)]
  const inputs = { token: TOKEN, api_url: emulator.url, repository: 'octo-org/hello-world' }
  const listed = await runStep({ ...inputs, operation: 'list' }, { RUNNER_DEBUG: '1' })
  expect(listed.exitCode).toBe(0)
  expect(JSON.parse(listed.outputs.hooks)).toHaveLength(URL_SHAPES.length)
  expect(leaks(listed, secrets)).toEqual([])
  const got = await runStep({ ...inputs, operation: 'get', hook_id: String(emulator.hooks(target)[0].id) }, { RUNNER_DEBUG: '1' })
  expect(got.exitCode).toBe(0)
  expect(leaks(got, secrets)).toEqual([])
})

test.each([
  ['a forgotten scheme', 'hooks.slack.com/services/T0ABCDEF1/B0GHIJKL2/xoxbSlackT0kenAbCdEf1234', 'xoxbSlackT0kenAbCdEf1234'],
  ['an unencoded / in a password', 'https://deploybot:Zm9v/YmFy+cXV4@ci.example.com/hook', 'Zm9v/YmFy+cXV4']
])('a url input that does not parse (%s) fails without showing it', async (_name, url, credential) => {
  const run = await runStep(
    { token: TOKEN, api_url: emulator.url, repository: 'octo-org/hello-world', operation: 'create', url },
    { RUNNER_DEBUG: '1' }
  )
  expect(run.exitCode).toBe(1)
  expect(run.stdout).toMatch(/::error::Input 'url' is not an absolute http:\/\/ or https:\/\/ URL/)
  expect(leaks(run, [credential])).toEqual([])
  expect(emulator.requests).toEqual([])
})
