/**
 * `npm run demo`: the bundled action on real input. Starts the local GitHub emulator and a webhook
 * receiver that verifies signatures with `@octokit/webhooks-methods`, then runs `dist/index.js` as a
 * runner does (INPUT_* variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files) through the headline
 * jobs, for a repository and (the writes, not the delivery-failure jobs again) an organization: `ensure` (created and verified by a ping, then a rerun
 * that proves the secret and writes nothing), a `dry_run`, `ping`, `test`, `redeliver-failed` after
 * the receiver failed, `update` (the secret survives) and `ensure-absent`; then a fleet `ensure` over
 * the organization's repositories, capped by `max_writes` and resumed by reruns until a rerun writes
 * nothing; and a secret rotation: `audit-secret`, `rotate-secret` with a canary (a receiver that does
 * not know the new secret is rolled back), `audit-secret` again, a `report` of their delivery health
 * (the summary, charts included, is printed); and `redeliver-failed` on a GitHub App's
 * webhook (scope `app`, authenticated with a JWT). Prints each step's log
 * lines (info, warnings, errors), outputs and summary; exits 1 if any step misbehaves.
 */
import { appKeyPair } from './apps.js'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fleetSeed } from './fleet-seed.js'
import { startReceiver, type Receiver } from './receiver.js'
import { runStep, type StepRun } from './runner.js'
import { startEmulator, type Emulator } from './server.js'

const SECRET = 'demo-secret-rotate-me'

/** A step's check: returns a problem, or undefined when the step did what it should. */
type Check = (run: StepRun) => string | undefined

/**
 * The action's own log lines, as a person reads them in the run's log: info lines as they are,
 * `::warning::` / `::error::` / `::notice::` as `warning: …`; debug and mask commands left out.
 */
function log(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '' && !/^::(debug|add-mask)::/.test(line))
    .map((line) => line.replace(/^::(warning|error|notice)[^:]*::/, '$1: ').replace(/%0A/g, '\n      '))
}

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
  // octo-org/hello-world, and octo-org's svc-000 … svc-005, web-site, docs and the archived legacy-monolith.
  // … and a GitHub App, whose webhook is managed with a JWT signed by its private key.
  const APP_ID = 4242
  const appKeys = appKeyPair()
  const emulator: Emulator = await startEmulator({
    validate: true,
    repos: ['octo-org/hello-world'],
    ...fleetSeed({ count: 6, userCount: 0 }),
    apps: [{ id: APP_ID, publicKey: appKeys.publicKey }]
  })
  const receiver: Receiver = await startReceiver({ secret: SECRET })
  console.log(`GitHub emulator: ${emulator.url}    webhook receiver: ${receiver.url}\n`)
  const problems: string[] = []

  /** Runs one step; it must exit with `exitCode` and pass `check`. */
  const step = async (title: string, inputs: Record<string, string>, check: Check, exitCode = 0): Promise<StepRun> => {
    const run = await runStep({ token: 'test-token', api_url: emulator.url, repository: 'octo-org/hello-world', ...inputs })
    const problem = run.exitCode !== exitCode ? `exit code ${run.exitCode}` : check(run)
    console.log(`${problem ? '✗' : '✓'} ${title}`)
    for (const line of log(run.stdout)) console.log(`    ${line}`)
    for (const [name, value] of Object.entries(run.outputs)) {
      console.log(`    ${name} = ${value.length > 160 ? `${value.slice(0, 160)}…` : value}`)
    }
    console.log(plain(run.summary).replace(/^/gm, '    │ '))
    if (problem) problems.push(`${title}: ${problem}`)
    console.log()
    return run
  }
  /** How many requests other than GET the emulator answered since `from`. */
  const writesSince = (from: number): number => emulator.requests.slice(from).filter((r) => r.method !== 'GET').length

  /** The receiver goes down for a ping, comes back, and `redeliver-failed` redelivers what failed; `list-deliveries` shows it. */
  const failAndRedeliver = async (on: Record<string, string>, hook_id: string): Promise<void> => {
    receiver.setStatus(503, 'deploying, try later')
    await step(
      'ping while the receiver is down (fail_on_delivery_error: false: a warning)',
      { ...on, operation: 'ping', hook_id, fail_on_delivery_error: 'false' },
      (run) => (run.outputs.status_code === '503' ? undefined : `status ${run.outputs.status_code}`)
    )
    receiver.setStatus(200, 'ok')
    const failed = await step('redeliver-failed: the receiver is back', { ...on, operation: 'redeliver-failed', hook_id }, (run) =>
      Number(run.outputs.failed_count) >= 1 && run.outputs.redelivered === run.outputs.failed_count
        ? undefined
        : `failed ${run.outputs.failed_count}, redelivered ${run.outputs.redelivered}`
    )
    await emulator.idle()
    const guids: string[] = JSON.parse(failed.outputs.failed_guids ?? '[]')
    const redelivered = receiver.received.filter((delivery) => guids.includes(delivery.guid))
    if (redelivered.length < guids.length * 2) problems.push('the receiver did not get the redeliveries')
    await step('list-deliveries', { ...on, operation: 'list-deliveries', hook_id, limit: '5' }, (run) =>
      JSON.parse(run.outputs.deliveries ?? '[]')[0]?.redelivery === true ? undefined : 'the redelivery is not the newest delivery'
    )
  }

  for (const scope of ['repo', 'org'] as const) {
    const target = scope === 'repo' ? { owner: 'octo-org', repo: 'hello-world' } : { org: 'octo-org' }
    const on: Record<string, string> = scope === 'org' ? { scope, org: 'octo-org' } : { scope }
    const hook = { ...on, url: receiver.url, events: 'push, issues', secret: SECRET }
    console.log(`=== ${scope === 'repo' ? 'repository octo-org/hello-world' : 'organization octo-org'} ===\n`)
    receiver.received.length = 0

    const created = await step('ensure: the hook is created, then verified with a ping', { ...hook, operation: 'ensure' }, (run) =>
      run.outputs.result === 'created' && run.outputs.delivery_status === 'OK'
        ? undefined
        : `result ${run.outputs.result}, ping ${run.outputs.delivery_status}`
    )
    const hook_id = created.outputs.hook_id
    let from = emulator.requests.length
    await step('ensure again: unchanged, the secret proven from that ping, nothing written', { ...hook, operation: 'ensure' }, (run) => {
      if (run.outputs.result !== 'unchanged' || run.outputs.secret_proof !== 'proven')
        return `result ${run.outputs.result}, secret ${run.outputs.secret_proof}`
      return writesSince(from) === 0 ? undefined : `${writesSince(from)} writes`
    })
    from = emulator.requests.length
    await step('ensure, dry run: what would change', { ...hook, operation: 'ensure', events: 'push, release', dry_run: 'true' }, (run) => {
      if (run.outputs.result !== 'updated') return `result ${run.outputs.result}`
      return writesSince(from) === 0 ? undefined : 'a dry run wrote'
    })
    await step('ping (by url)', { ...on, operation: 'ping', url: receiver.url }, (run) =>
      run.outputs.status_code === '200' ? undefined : `status ${run.outputs.status_code}`
    )
    if (scope === 'repo') {
      await step('test: GitHub sends the latest push again', { ...on, operation: 'test', url: receiver.url }, (run) =>
        run.outputs.status_code === '200' ? undefined : `status ${run.outputs.status_code}`
      )
    }
    await emulator.idle()
    const bad = receiver.received.filter((delivery) => delivery.signatureValid !== true)
    if (bad.length > 0) problems.push(`${scope}: the receiver saw ${bad.length} bad X-Hub-Signature-256`)
    else console.log(`  receiver: ${receiver.received.length} deliveries, every X-Hub-Signature-256 valid\n`)

    // The delivery-failure jobs once, on the repository: the organization goes through the writes.
    if (scope === 'repo') await failAndRedeliver(on, hook_id)
    await step(
      'update (events by url; the secret must survive)',
      { ...on, operation: 'update', url: receiver.url, events: 'push, release' },
      (run) => {
        const events = JSON.parse(run.outputs.hook ?? '{}').events
        if (JSON.stringify(events) !== '["push","release"]') return `events are ${JSON.stringify(events)}`
        return emulator.hooks(target)[0]?.config.secret === SECRET ? undefined : 'the stored secret changed'
      }
    )
    await step('ensure-absent', { ...on, operation: 'ensure-absent', url: receiver.url }, (run) =>
      run.outputs.result === 'deleted' && emulator.hooks(target).length === 0 ? undefined : 'the hook is still there'
    )
  }

  console.log('=== many repositories: octo-org/svc-000 … svc-003 ===\n')
  // verify: false keeps the demo short (each verifying ping is one more write, one second apart).
  const fleet = {
    repository: '',
    repositories: 'octo-org/svc-*\n!octo-org/svc-00[4-5]',
    url: receiver.url,
    events: 'push',
    verify: 'false'
  }
  const tally = (run: StepRun): string => ['changed', 'skipped', 'failed'].map((name) => `${name} ${run.outputs[name]}`).join(', ')
  await step('ensure over the repositories, at most 2 written per run (max_writes)', { ...fleet, operation: 'ensure', max_writes: '2' }, (run) =>
    run.outputs.changed === '2' && run.outputs.skipped === '2' ? undefined : tally(run)
  )
  await step('the same step again: resumes with the 2 left', { ...fleet, operation: 'ensure', max_writes: '2' }, (run) =>
    run.outputs.changed === '2' && run.outputs.skipped === '0' ? undefined : tally(run)
  )
  const fleetFrom = emulator.requests.length
  await step('and again: every repository in sync, zero writes', { ...fleet, operation: 'ensure' }, (run) => {
    const results: { result: string }[] = JSON.parse(run.outputs.results ?? '[]')
    if (results.length !== 4 || results.some((entry) => entry.result !== 'unchanged')) return tally(run)
    return writesSince(fleetFrom) === 0 ? undefined : `${writesSince(fleetFrom)} writes`
  })

  console.log('=== webhooks as code: a file declares the hook of svc-000 … svc-003; plan on the pull request, apply on merge ===\n')
  const webhooksFile = join(mkdtempSync(join(tmpdir(), 'manage-webhooks-demo-')), 'webhooks.yml')
  writeFileSync(
    webhooksFile,
    [
      'hooks:',
      '  - name: deploy',
      `    url: ${receiver.url}`,
      '    events: [push, release]',
      '    secret_env: DEMO_WEBHOOK_SECRET',
      "    repositories: ['octo-org/svc-*', '!octo-org/svc-00[4-5]']",
      ''
    ].join('\n')
  )
  process.env.DEMO_WEBHOOK_SECRET = SECRET // as the workflow's env: would set it from a secret
  const asCode = { repository: '', file: webhooksFile }
  await step(
    'plan (on a pull request): the file adds release and a secret to the 4 hooks; nothing written',
    { ...asCode, operation: 'plan' },
    (run) => (run.outputs.plan_counts?.includes('"update":4') ? undefined : run.outputs.plan_counts)
  )
  await step('apply (on merge): the 4 hooks updated, each verified by a ping', { ...asCode, operation: 'apply' }, (run) =>
    run.outputs.result_counts === '{"updated":4}' ? undefined : run.outputs.result_counts
  )
  const asCodeFrom = emulator.requests.length
  await step(
    'plan again (the nightly drift check, fail_on_drift): every entry unchanged, secrets proven',
    { ...asCode, operation: 'plan', fail_on_drift: 'true' },
    (run) => (run.outputs.plan_counts?.includes('"unchanged":4') && writesSince(asCodeFrom) === 0 ? undefined : run.outputs.plan_counts)
  )

  console.log('=== rotating a secret: octo-org/svc-004 and svc-005, whose receiver does not know the new secret ===\n')
  // Two hooks on the old secret, each with a signed delivery: the receiver of svc-004 already accepts
  // both secrets; the one of svc-005 knows only the old one and answers 401 to the new one.
  const OLD = SECRET
  const NEW = 'demo-secret-after-rotation'
  receiver.setSecrets([OLD, NEW])
  const stubborn = await startReceiver({ secret: OLD, rejectUnverified: true })
  const signedAgo = new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z')
  for (const [repo, url] of [
    ['svc-004', receiver.url],
    ['svc-005', stubborn.url]
  ]) {
    const seeded = emulator.addHook({ owner: 'octo-org', repo }, { url, secret: OLD, content_type: 'json', created_at: '2026-01-02T03:04:05Z' })
    emulator.addDelivery({ owner: 'octo-org', repo }, seeded.id, { delivered_at: signedAgo })
  }
  const pair = { repository: '', repositories: 'octo-org/svc-00[4-5]' }
  const verdicts = (run: StepRun): string => run.outputs.verdict_counts ?? ''
  await step('audit-secret: both hooks sign with the old secret', { ...pair, operation: 'audit-secret', secret: OLD }, (run) =>
    JSON.parse(verdicts(run) || '{}').current === 2 ? undefined : verdicts(run)
  )
  await step(
    'rotate-secret with a canary: svc-004 rotated; svc-005 refuses the new secret and is rolled back (the step fails)',
    { ...pair, operation: 'rotate-secret', secret: NEW, previous_secret: OLD, canary: '1' },
    (run) => (run.outputs.result_counts === '{"rotated":1,"rolled-back":1}' ? undefined : run.outputs.result_counts),
    1
  )
  await step(
    'audit-secret again: svc-004 on the new secret, svc-005 still on the previous one',
    { ...pair, operation: 'audit-secret', secret: NEW, previous_secret: OLD, fail_on_mismatch: 'false' },
    (run) => (JSON.parse(verdicts(run) || '{}').previous === 1 ? undefined : verdicts(run))
  )
  await step(
    'report: the delivery health of both hooks over the last hour (the summary shows the table and the Mermaid charts)',
    { ...pair, operation: 'report', since: '1h' },
    (run) => (JSON.parse(run.outputs.report ?? '[]').length === 2 && run.summary.includes('```mermaid') ? undefined : 'no report or no chart')
  )
  await stubborn.close()

  console.log(`=== the webhook of GitHub App ${APP_ID} (scope app: a JWT from its private key, no token) ===\n`)
  emulator.setAppHook(APP_ID, { url: receiver.url, secret: OLD, content_type: 'json' })
  const minutesAgo = (n: number): string => new Date(Date.now() - n * 60_000).toISOString().replace(/\.\d+Z$/, 'Z')
  emulator.addAppDelivery(APP_ID, { guid: 'job-queued-lost', event: 'workflow_job', status_code: 502, delivered_at: minutesAgo(20) })
  emulator.addAppDelivery(APP_ID, { guid: 'job-done', event: 'workflow_job', status_code: 200, delivered_at: minutesAgo(10) })
  const asApp = { scope: 'app', app_id: String(APP_ID), private_key: appKeys.privateKey, repository: '', token: '' }
  const redeliveredApp = await step(
    'redeliver-failed on the App hook: the lost workflow_job delivery',
    { ...asApp, operation: 'redeliver-failed', since: '1h' },
    (run) =>
      run.outputs.failed_guids === '["job-queued-lost"]' && run.outputs.redelivered === '1' ? undefined : `failed ${run.outputs.failed_guids}`
  )
  await emulator.idle()
  if (!receiver.received.some((delivery) => delivery.guid === 'job-queued-lost' && delivery.signatureValid)) {
    problems.push(`the receiver did not get the App's redelivery (${redeliveredApp.outputs.redelivered_ids})`)
  }

  const before = emulator.requests.length
  await step(
    'bad input fails the step before any request',
    { operation: 'create', url: receiver.url, events: 'push, pull-request' },
    (run) => {
      if (!run.stdout.includes("::error::Input 'events' has an unknown webhook event: 'pull-request' (did you mean 'pull_request'?)"))
        return 'no clear ::error::'
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
