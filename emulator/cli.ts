/**
 * `npm run emulator -- [options]`: the local GitHub emulator (./server.ts) and a webhook receiver
 * (./receiver.ts) in one command, to try the action by hand against many repositories, a failing
 * receiver or a secret rotation. It prints the API URL, the receiver URL, the token and
 * ready-to-paste commands, then serves until Ctrl-C (SIGINT) or SIGTERM. Run `--help` for the flags.
 *
 *   npm run emulator -- --repos 50 --receiver-secrets old-secret,new-secret
 *   npx tsx emulator/cli.ts --port 0 --seed my-seed.json      (port 0: a free port, printed)
 *
 * The receiver (`http://127.0.0.1:PORT/webhook`, by default on the API port + 1) records every
 * delivery and logs one line for it. With `--receiver-secrets` it checks `X-Hub-Signature-256`
 * against those secrets (any one verifies, as a receiver does during a rotation) and answers 401 to a
 * delivery signed with none of them; otherwise it answers `--receiver-status` (default 200). Prefer
 * secrets that are not words: the action masks every occurrence of a secret in its log, so with a
 * secret `new` a log line reads "the *** secret written".
 *
 * SEED FILE (`--seed FILE`), JSON, every key optional:
 *
 * ```json
 * {
 *   "orgs": ["octo-org"],
 *   "repositories": ["octo-org/api", { "full_name": "octo-org/old-api", "archived": true, "topics": ["deploy"], "properties": { "team": "platform" } }],
 *   "hooks": [
 *     { "repository": "octo-org/api", "url": "{receiver}", "secret": "old", "events": ["push", "release"] },
 *     { "org": "octo-org", "url": "https://chat.example.com/github", "active": false }
 *   ]
 * }
 * ```
 *
 * - `orgs`: the logins that are organizations (default `["octo-org"]`); every other owner is a user.
 * - `repositories`: `"owner/name"`, or an object with `full_name` and optionally `archived`, `fork`,
 *   `private` (booleans), `topics` (strings) and `properties` (custom property values; organizations
 *   only). They come after the `--repos` ones. Without any repository (no `--repos` either) the
 *   emulator has its default `octo-org/hello-world`.
 * - `hooks`: existing hooks, each on a `repository` (`owner/name`) or an `org`, with `url` (required;
 *   `{receiver}` stands for the receiver's URL) and optionally `secret`, `events` (default
 *   `["push"]`), `active` (default true), `content_type` (`json`, the default, or `form`) and
 *   `insecure_ssl` (`"0"` or `"1"`). They are added as they are, without the ping GitHub sends a new
 *   hook, so they have no deliveries yet.
 */
import { readFileSync } from 'node:fs'
import { resolve as resolvePath } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { fleetServiceRepo } from './fleet-seed.js'
import { startReceiver, type ReceivedDelivery, type Receiver } from './receiver.js'
import { githubLimits, startEmulator, type Emulator, type EmulatorOptions, type HookSeed, type HookTarget, type RepositorySeed } from './server.js'

const USAGE = `Usage: npm run emulator -- [options]        (or: npx tsx emulator/cli.ts [options])

Starts the local GitHub API emulator and a webhook receiver on 127.0.0.1; Ctrl-C stops them.

  --port N                  API port (default 3000; 0: a free port, printed)
  --repos N                 N repositories octo-org/svc-000, svc-001, … (every 10th archived,
                            some forks and private ones, topics team-a/team-b/deploy: the mix
                            rule of emulator/fleet-seed.ts). Default: octo-org/hello-world
  --seed FILE               JSON file of orgs, repositories and hooks (format: emulator/cli.ts)
  --latency MS              delay before every API answer, in milliseconds (default 0)
  --token T                 the token the API accepts (default test-token)
  --limits github|none      enforce GitHub's documented rate limits (default none)
  --receiver-secrets A,B    the receiver accepts deliveries signed with any of these secrets and
                            answers 401 to the others (default: no signature check)
  --receiver-status CODE    the receiver answers this status (default 200), e.g. 500 for a
                            failing receiver
  --receiver-port N         receiver port (default: the API port + 1; with --port 0, a free port)
  --no-receiver             no receiver
  --quiet                   do not log each delivery the receiver gets
  --help                    this text

Example: npm run emulator -- --repos 50 --receiver-secrets old-secret,new-secret`

/** A bad command line: reported with the usage, exit code 2. */
export class UsageError extends Error {}

/** The parsed command line. */
export interface CliOptions {
  port: number
  repos?: number
  seed?: string
  latencyMs: number
  token: string
  limits: 'github' | 'none'
  receiver: boolean
  receiverSecrets: string[]
  receiverStatus: number
  receiverPort?: number
  quiet: boolean
  help: boolean
}

/** An integer in [min, max] from a flag's text, else a UsageError naming the flag. */
function integer(flag: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, got '${text}'`)
  }
  return value
}

/**
 * Parses the command line (without `node` and the script).
 * @throws UsageError for an unknown flag, a missing or invalid value, a stray argument
 */
export function parseCli(argv: string[]): CliOptions {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        repos: { type: 'string' },
        seed: { type: 'string' },
        latency: { type: 'string' },
        token: { type: 'string' },
        limits: { type: 'string' },
        'receiver-secrets': { type: 'string' },
        'receiver-status': { type: 'string' },
        'receiver-port': { type: 'string' },
        'no-receiver': { type: 'boolean' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' }
      }
    })
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.replace(/\. To specify a positional argument.*$/s, '') : String(error))
  }
  const v = parsed.values
  const port = v.port === undefined ? 3000 : integer('port', v.port, 0, 65535)
  const repos = v.repos === undefined ? undefined : integer('repos', v.repos, 1, 100_000)
  let latencyMs = 0
  if (v.latency !== undefined) {
    latencyMs = Number(v.latency)
    if (v.latency.trim() === '' || !Number.isFinite(latencyMs) || latencyMs < 0) {
      throw new UsageError(`--latency must be a non-negative number of milliseconds, got '${v.latency}'`)
    }
  }
  const token = v.token ?? 'test-token'
  if (!/^\S+$/.test(token)) throw new UsageError(`--token must be a non-empty value without spaces`)
  const limits = v.limits ?? 'none'
  if (limits !== 'github' && limits !== 'none') throw new UsageError(`--limits must be github or none, got '${limits}'`)
  const receiver = !v['no-receiver']
  let receiverSecrets: string[] = []
  if (v['receiver-secrets'] !== undefined) {
    receiverSecrets = v['receiver-secrets'].split(',').map((s) => s.trim())
    if (receiverSecrets.some((s) => s === '')) {
      throw new UsageError(`--receiver-secrets must be secrets separated by commas, none empty, got '${v['receiver-secrets']}'`)
    }
  }
  const receiverStatus = v['receiver-status'] === undefined ? 200 : integer('receiver-status', v['receiver-status'], 200, 599)
  const receiverPort = v['receiver-port'] === undefined ? undefined : integer('receiver-port', v['receiver-port'], 0, 65535)
  if (!receiver && (v['receiver-secrets'] !== undefined || v['receiver-status'] !== undefined || receiverPort !== undefined)) {
    throw new UsageError('--no-receiver does not go with --receiver-secrets, --receiver-status or --receiver-port')
  }
  if (receiverPort !== undefined && receiverPort !== 0 && receiverPort === port) throw new UsageError('--receiver-port must differ from --port')
  if (receiverPort === undefined && port === 65535) throw new UsageError('--port 65535 leaves no port for the receiver: give --receiver-port')
  return {
    port,
    repos,
    seed: v.seed,
    latencyMs,
    token,
    limits,
    receiver,
    receiverSecrets,
    receiverStatus,
    receiverPort,
    quiet: v.quiet ?? false,
    help: v.help ?? false
  }
}

/** A seed file's content, checked (see the module docstring for the format). */
export interface Seed {
  orgs?: string[]
  repositories: RepositorySeed[]
  hooks: Array<{ target: HookTarget; hook: HookSeed }>
}

const REPOSITORY_KEYS = new Set(['full_name', 'archived', 'fork', 'private', 'topics', 'properties'])
const HOOK_KEYS = new Set(['repository', 'org', 'url', 'secret', 'events', 'active', 'content_type', 'insecure_ssl'])
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Reads and checks a seed file; `{receiver}` in a hook's url is replaced with `receiverUrl`.
 * @throws UsageError naming the file and the entry at fault
 */
export function readSeed(file: string, receiverUrl: string | undefined): Seed {
  let data: unknown
  try {
    data = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new UsageError(`--seed ${file}: ${error instanceof Error ? error.message : String(error)}`)
  }
  const fail = (where: string, message: string): never => {
    throw new UsageError(`--seed ${file}: ${where}: ${message}`)
  }
  if (!isObject(data)) return fail('top level', 'must be a JSON object with orgs, repositories and hooks')
  for (const key of Object.keys(data)) if (!['orgs', 'repositories', 'hooks'].includes(key)) fail(key, 'unknown key (orgs, repositories, hooks)')
  const strings = (where: string, value: unknown): string[] =>
    Array.isArray(value) && value.every((s) => typeof s === 'string') ? value : fail(where, 'must be an array of strings')
  const orgs = data.orgs === undefined ? undefined : strings('orgs', data.orgs)
  const repositories = (
    data.repositories === undefined ? [] : Array.isArray(data.repositories) ? data.repositories : fail('repositories', 'must be an array')
  ).map((entry: unknown, i): RepositorySeed => {
    if (typeof entry === 'string') return { full_name: entry }
    if (!isObject(entry) || typeof entry.full_name !== 'string') return fail(`repositories[${i}]`, 'must be "owner/name" or an object with full_name')
    for (const key of Object.keys(entry)) if (!REPOSITORY_KEYS.has(key)) fail(`repositories[${i}]`, `unknown key ${key}`)
    return entry as unknown as RepositorySeed
  })
  const hooks = (data.hooks === undefined ? [] : Array.isArray(data.hooks) ? data.hooks : fail('hooks', 'must be an array')).map(
    (entry: unknown, i) => {
      const where = `hooks[${i}]`
      if (!isObject(entry)) return fail(where, 'must be an object')
      for (const key of Object.keys(entry)) if (!HOOK_KEYS.has(key)) fail(where, `unknown key ${key}`)
      const { repository, org, url, ...rest } = entry
      let target: HookTarget
      if (typeof repository === 'string' && org === undefined) {
        const [owner, repo, extra] = repository.split('/')
        if (!owner || !repo || extra !== undefined) return fail(where, `repository must be owner/name, got '${repository}'`)
        target = { owner, repo }
      } else if (typeof org === 'string' && repository === undefined) {
        target = { org }
      } else {
        return fail(where, 'needs either repository ("owner/name") or org')
      }
      if (typeof url !== 'string' || url === '') return fail(where, 'needs a url')
      if (url.includes('{receiver}') && receiverUrl === undefined) fail(where, '{receiver} in url, but there is no receiver (--no-receiver)')
      return { target, hook: { ...rest, url: url.replaceAll('{receiver}', receiverUrl ?? '') } as HookSeed }
    }
  )
  return { orgs, repositories, hooks }
}

/** The `svc-*` repositories of `--repos N`: fleetSeed's mix rule, without its extra and user repositories. */
export function serviceRepositories(count: number, org = 'octo-org'): RepositorySeed[] {
  const width = Math.max(3, String(count - 1).length)
  return Array.from({ length: count }, (_, i) => {
    const { name, ...rest } = fleetServiceRepo(i, width)
    return { full_name: `${org}/${name}`, ...rest }
  })
}

/** Single-quoted for a POSIX shell. */
const quote = (text: string): string => (/^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`)

/** A shell command running the bundled action with these inputs (as INPUT_* variables). */
function command(inputs: Array<[string, string]>): string {
  const parts = inputs.map(([name, value]) => `INPUT_${name.toUpperCase()}=${quote(value)}`)
  const lines: string[] = []
  let line = ' '
  for (const part of [...parts, 'node dist/index.js', '| grep -v ::debug::']) {
    if (line.length + part.length > 100) {
      lines.push(`${line} \\`)
      line = '   '
    }
    line += ` ${part}`
  }
  lines.push(line)
  return lines.join('\n')
}

/** One line per received delivery: event, hook, repository or organization, signature, answer. */
function deliveryLine(delivery: ReceivedDelivery, status: number): string {
  let payload: Record<string, unknown> = {}
  try {
    const json = delivery.contentType.startsWith('application/x-www-form-urlencoded')
      ? (new URLSearchParams(delivery.body).get('payload') ?? '{}')
      : delivery.body
    const parsed: unknown = JSON.parse(json)
    if (isObject(parsed)) payload = parsed
  } catch {
    // not JSON: logged without a target
  }
  const repository = isObject(payload.repository) ? payload.repository.full_name : undefined
  const organization = isObject(payload.organization) ? payload.organization.login : undefined
  const where = typeof repository === 'string' ? repository : typeof organization === 'string' ? `org ${organization}` : ''
  const signature =
    delivery.signatureValid === null ? '' : delivery.signedWith !== undefined ? `signed with ${delivery.signedWith}` : 'signature does NOT verify'
  const time = new Date().toISOString().slice(11, 19)
  const what = [delivery.event, `hook ${delivery.hookId}`, where].filter((s) => s !== '').join(' ')
  return `[receiver] ${time} ${what}${signature === '' ? '' : `: ${signature}`} -> ${status}`
}

/** What the CLI started, for {@link run}'s caller (and the tests). */
export interface Started {
  emulator: Emulator
  receiver?: Receiver
  /** Stops both. */
  close(): Promise<void>
}

/**
 * Starts what the options ask for and prints the banner (on `out`).
 * @throws UsageError for a bad seed file or a seed the emulator refuses; Error when a port is taken
 */
export async function start(options: CliOptions, out: (line: string) => void = console.log): Promise<Started> {
  let receiver: Receiver | undefined
  let emulator: Emulator | undefined
  try {
    if (options.receiver) {
      // The receiver's URL is needed for the seed's {receiver}, so it starts first; with a fixed API
      // port its default is the next port, so it is free when the API port is.
      const port = options.receiverPort ?? (options.port === 0 ? 0 : options.port + 1)
      receiver = await startReceiver({
        secrets: options.receiverSecrets,
        rejectUnverified: options.receiverSecrets.length > 0,
        status: options.receiverStatus,
        body: options.receiverStatus < 300 ? 'ok' : `failing on purpose (--receiver-status ${options.receiverStatus})`,
        port,
        onDelivery: options.quiet ? undefined : (delivery, status) => out(deliveryLine(delivery, status))
      }).catch((error: unknown) => {
        throw portError(error, port, '--receiver-port')
      })
    }
    const seed = options.seed === undefined ? undefined : readSeed(options.seed, receiver?.url)
    const repositories = [...(options.repos ? serviceRepositories(options.repos) : []), ...(seed?.repositories ?? [])]
    const orgs = [...new Set([...(seed?.orgs ?? ['octo-org']), ...(options.repos ? ['octo-org'] : [])])]
    const emulatorOptions: EmulatorOptions = {
      port: options.port,
      tokens: [options.token],
      orgs,
      ...(repositories.length > 0 ? { repositories } : {}),
      latencyMs: options.latencyMs,
      validate: true,
      ...(options.limits === 'github' ? { limits: githubLimits() } : {})
    }
    try {
      emulator = await startEmulator(emulatorOptions)
    } catch (error) {
      if (error instanceof TypeError) throw new UsageError(`${options.seed ? `--seed ${options.seed}: ` : ''}${error.message}`)
      throw portError(error, options.port, '--port')
    }
    for (const [i, { target, hook }] of (seed?.hooks ?? []).entries()) {
      try {
        emulator.addHook(target, hook)
      } catch (error) {
        throw new UsageError(`--seed ${options.seed}: hooks[${i}]: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
    printBanner(options, emulator, receiver, repositories, seed, out)
  } catch (error) {
    await emulator?.close()
    await receiver?.close()
    throw error
  }
  const api = emulator
  // A long session must not keep every request it answered: only the last ones are kept.
  const trim = setInterval(() => api.requests.splice(0, Math.max(0, api.requests.length - 1000)), 10_000).unref()
  return {
    emulator: api,
    receiver,
    async close() {
      clearInterval(trim)
      await api.close()
      await receiver?.close()
    }
  }
}

/** A port that cannot be bound, said plainly. */
function portError(error: unknown, port: number, flag: string): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code === 'EADDRINUSE') return new Error(`Port ${port} is already in use: choose another with ${flag} (0: any free port)`)
  if (code === 'EACCES') return new Error(`Port ${port} cannot be used (EACCES): choose another with ${flag}`)
  return error instanceof Error ? error : new Error(String(error))
}

function printBanner(
  options: CliOptions,
  emulator: Emulator,
  receiver: Receiver | undefined,
  repositories: RepositorySeed[],
  seed: Seed | undefined,
  out: (line: string) => void
): void {
  const names = repositories.length > 0 ? repositories.map((r) => r.full_name) : ['octo-org/hello-world']
  const archived = repositories.filter((r) => r.archived).length
  const repoText =
    names.length === 1 ? names[0] : `${names.length} (${names[0]} … ${names[names.length - 1]}${archived ? `; ${archived} archived` : ''})`
  const secrets = options.receiverSecrets
  out(`GitHub API emulator`)
  out(`  API URL:      ${emulator.url}   (GHES-style: ${emulator.ghesUrl})`)
  out(`  token:        ${options.token}`)
  out(`  repositories: ${repoText}`)
  if (seed && seed.hooks.length > 0) out(`  hooks:        ${seed.hooks.length} from ${options.seed}`)
  if (options.latencyMs > 0) out(`  latency:      ${options.latencyMs} ms per API request`)
  out(
    `  rate limits:  ${options.limits === 'github' ? "GitHub's, enforced (leave ghes_rate_limit_factor at 1)" : 'not enforced (--limits github to enforce them)'}`
  )
  if (receiver) {
    const checks = secrets.length > 0 ? `accepts deliveries signed with ${secrets.join(' or ')}, else 401` : 'no signature check'
    out(`  receiver URL: ${receiver.url}   (${checks}; answers ${options.receiverStatus})`)
  } else {
    out(`  receiver:     none`)
  }

  // Example commands, run from the repository root in another terminal.
  const repoInput: [string, string] = options.repos
    ? ['repositories', 'octo-org/svc-*']
    : ['repositories', names.length > 1 ? names.slice(0, 3).join(',') : names[0]]
  const common: Array<[string, string]> = [
    ['api_url', emulator.url],
    ['token', options.token],
    ...(options.limits === 'github' ? [] : ([['ghes_rate_limit_factor', '20']] as Array<[string, string]>))
  ]
  const url = receiver?.url ?? 'http://127.0.0.1:8080/webhook'
  const examples: Array<[string, Array<[string, string]>]> = [
    [
      'ensure a hook on every repository',
      [
        ['operation', 'ensure'],
        repoInput,
        ['url', url],
        ['events', 'push'],
        ...(secrets[0] ? [['secret', secrets[0]] as [string, string]] : []),
        ...common
      ]
    ],
    [
      'ping it on one repository (fails unless the receiver answers 2xx)',
      [['operation', 'ping'], ['repository', options.repos ? 'octo-org/svc-000' : names[0]], ['url', url], ...common]
    ]
  ]
  if (secrets.length >= 2) {
    examples.push([
      `rotate its secret from ${secrets[0]} to ${secrets[1]}, one canary first`,
      [['operation', 'rotate-secret'], repoInput, ['url', url], ['secret', secrets[1]], ['previous_secret', secrets[0]], ['canary', '1'], ...common]
    ])
  }
  out('')
  out('Try, from the repository root in another terminal: the bundled action (`npm run build` after changing src/). Its')
  out('outputs show as ::set-output lines, a failure as an ::error:: line; grep hides the debug log, as a runner does.')
  for (const [title, inputs] of examples) {
    out(`  # ${title}`)
    out(command(inputs))
  }
  out('')
  out(`Ready: ${emulator.url}${receiver ? `  receiver ${receiver.url}` : ''}. Ctrl-C stops.`)
}

/**
 * The command: parses `argv`, starts, and stops on SIGINT/SIGTERM (exit 0). A usage error prints the
 * message and the usage on stderr and exits 2; a failure to start exits 1.
 */
export async function main(argv: string[]): Promise<void> {
  let options: CliOptions
  let started: Started
  try {
    options = parseCli(argv)
    if (options.help) {
      console.log(USAGE)
      return
    }
    started = await start(options)
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`emulator: ${error.message}\n\n${USAGE}`)
      process.exit(2)
    }
    console.error(`emulator: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  }
  let stopping = false
  const stop = (): void => {
    if (stopping) process.exit(130) // a second Ctrl-C: do not wait for deliveries in flight
    stopping = true
    const { emulator, receiver } = started
    void started.close().then(() => {
      for (const v of emulator.violations) console.error(`[emulator] OpenAPI violation: ${v}`)
      const received = receiver?.received ?? []
      const refused = received.filter((d) => d.signatureValid === false).length
      const got = receiver
        ? ` The receiver got ${received.length} deliveries${refused ? `, ${refused} with a signature that does not verify` : ''}.`
        : ''
      console.log(`Stopped.${got}`)
      process.exit(0)
    })
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolvePath(process.argv[1])).href) {
  void main(process.argv.slice(2))
}
