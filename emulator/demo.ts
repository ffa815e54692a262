/**
 * `npm run demo`: the bundled action on real input. Starts the local GitHub emulator and a webhook
 * receiver that verifies signatures with `@octokit/webhooks-methods`, then runs `dist/index.js` as a
 * runner does (INPUT_* variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files) through
 * create → list → ping → list-deliveries → get-delivery → update → delete, for a repository and an
 * organization. Prints each step's outputs and summary; exits 1 if any step misbehaves.
 */
import { startReceiver, type Receiver } from './receiver.js'
import { runStep, type StepRun } from './runner.js'
import { startEmulator, type Emulator } from './server.js'

const SECRET = 'demo-secret-rotate-me'

/** A step's check: returns a problem, or undefined when the step did what it should. */
type Check = (run: StepRun) => string | undefined

/** Renders the job summary's HTML as plain text for the terminal. */
function plain(summary: string): string {
  return summary
    .replace(/<t[hd][^>]*>/g, '| ')
    .replace(/<\/(tr|h\d|p|table|summary)>/g, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/\n{2,}/g, '\n')
    .trim()
}

async function main(): Promise<number> {
  const emulator: Emulator = await startEmulator({ validate: true })
  const receiver: Receiver = await startReceiver({ secret: SECRET })
  console.log(`GitHub emulator: ${emulator.url}    webhook receiver: ${receiver.url}\n`)
  const problems: string[] = []

  /** Runs one step; it must exit with `exitCode` and pass `check`. */
  const step = async (title: string, inputs: Record<string, string>, check: Check, exitCode = 0): Promise<StepRun> => {
    const run = await runStep({ token: 'test-token', api_url: emulator.url, repository: 'octo-org/hello-world', ...inputs })
    const errors = run.stdout.match(/::error::.*/g)?.join(' ') ?? ''
    const problem = run.exitCode !== exitCode ? `exit code ${run.exitCode} ${errors}` : check(run)
    console.log(`${problem ? '✗' : '✓'} ${title}`)
    if (errors) console.log(`    ${errors}`)
    for (const [name, value] of Object.entries(run.outputs)) {
      console.log(`    ${name} = ${value.length > 160 ? `${value.slice(0, 160)}…` : value}`)
    }
    console.log(plain(run.summary).replace(/^/gm, '    │ '))
    if (problem) problems.push(`${title}: ${problem}`)
    console.log()
    return run
  }

  for (const scope of ['repo', 'org'] as const) {
    const target = scope === 'repo' ? { owner: 'octo-org', repo: 'hello-world' } : { org: 'octo-org' }
    const on = { scope, org: 'octo-org' }
    console.log(`=== ${scope === 'repo' ? 'repository octo-org/hello-world' : 'organization octo-org'} ===\n`)
    receiver.received.length = 0

    const created = await step('create', { ...on, operation: 'create', url: receiver.url, events: 'push, issues', secret: SECRET }, (run) =>
      /^\d+$/.test(run.outputs.hook_id ?? '') ? undefined : 'no hook_id output'
    )
    const hook_id = created.outputs.hook_id
    await step('list', { ...on, operation: 'list' }, (run) =>
      JSON.parse(run.outputs.hooks ?? '[]').some((hook: { id: number }) => String(hook.id) === hook_id) ? undefined : 'the new hook is not listed'
    )
    await step('ping (by url)', { ...on, operation: 'ping', url: receiver.url }, () => undefined)
    await emulator.idle()
    const ping = receiver.received.at(-1)
    if (!ping || ping.event !== 'ping') problems.push(`${scope}: the receiver got no ping`)
    else if (ping.signatureValid !== true) problems.push(`${scope}: the receiver saw a bad X-Hub-Signature-256`)
    else console.log(`  receiver: ping ${ping.guid} with a valid X-Hub-Signature-256\n`)

    const listed = await step('list-deliveries', { ...on, operation: 'list-deliveries', hook_id }, (run) => {
      const [newest] = JSON.parse(run.outputs.deliveries ?? '[]')
      return newest?.event === 'ping' && newest.guid === ping?.guid ? undefined : 'the ping is not the newest delivery'
    })
    const delivery_id = String(JSON.parse(listed.outputs.deliveries ?? '[{}]')[0]?.id)
    await step('get-delivery', { ...on, operation: 'get-delivery', hook_id, delivery_id }, (run) =>
      run.outputs.status_code === '200' && run.outputs.delivery_status === 'OK' ? undefined : `status ${run.outputs.status_code}`
    )
    await step('update (events by url; the secret must survive)', { ...on, operation: 'update', url: receiver.url, events: 'push, release' }, (run) => {
      const events = JSON.parse(run.outputs.hook ?? '{}').events
      if (JSON.stringify(events) !== '["push","release"]') return `events are ${JSON.stringify(events)}`
      return emulator.hooks(target)[0]?.config.secret === SECRET ? undefined : 'the stored secret changed'
    })
    await step('delete', { ...on, operation: 'delete', hook_id }, () =>
      emulator.hooks(target).length === 0 ? undefined : 'the hook is still there'
    )
  }

  const before = emulator.requests.length
  await step(
    'bad input fails the step before any request',
    { operation: 'get', hook_id: 'abc' },
    (run) => {
      if (!run.stdout.includes("::error::Input 'hook_id' is 'abc'; it accepts a positive integer.")) return 'no clear ::error::'
      return emulator.requests.length === before ? undefined : 'a request was sent'
    },
    1
  )

  if (emulator.violations.length > 0) problems.push(...emulator.violations.map((v) => `OpenAPI: ${v}`))
  await receiver.close()
  await emulator.close()
  if (problems.length > 0) {
    console.error(`demo failed:\n- ${problems.join('\n- ')}`)
    return 1
  }
  console.log('demo passed: every step behaved as documented.')
  return 0
}

process.exitCode = await main()
