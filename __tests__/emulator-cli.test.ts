/**
 * The emulator's command (emulator/cli.ts, `npm run emulator`): spawned with tsx on free ports
 * (`--port 0`), it prints the API and receiver URLs and a ready line; the API lists the `--repos`
 * repositories, the receiver checks signatures with `--receiver-secrets`, a seed file's hooks exist,
 * SIGTERM stops it with exit code 0, and a bad flag exits 2 with the usage. The flag and seed
 * parsing are also checked in-process.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, describe, expect, test } from '@jest/globals'
import { sign } from '@octokit/webhooks-methods'
import { parseCli, readSeed, serviceRepositories, UsageError } from '../emulator/cli.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TOKEN = 'test-token'

/** A running CLI and what it printed so far. */
interface Cli {
  child: ChildProcessWithoutNullStreams
  stdout: () => string
  stderr: () => string
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>
}

const running = new Set<Cli>()
const dir = mkdtempSync(join(tmpdir(), 'emulator-cli-'))

/** Spawns `node --import tsx emulator/cli.ts …args` (one process, so a signal reaches the CLI itself). */
function spawnCli(args: string[]): Cli {
  const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/cli.ts', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  const cli = { child, stdout: () => out, stderr: () => err, exited }
  running.add(cli)
  void exited.then(() => running.delete(cli))
  return cli
}

/** Waits for the ready line and returns the API and receiver URLs it names; fails if the CLI exits first. */
async function ready(cli: Cli): Promise<{ api: string; receiver: string }> {
  const line = /^Ready: (http:\/\/127\.0\.0\.1:\d+)\s+receiver (http:\/\/127\.0\.0\.1:\d+\/webhook)\./m
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const match = line.exec(cli.stdout())
      if (match) {
        cli.child.stdout.off('data', check)
        resolve({ api: match[1], receiver: match[2] })
      }
    }
    cli.child.stdout.on('data', check)
    void cli.exited.then((code) => reject(new Error(`the CLI exited (${code}) before it was ready:\n${cli.stdout()}\n${cli.stderr()}`)))
    check()
  })
}

/** Stops the CLI as Ctrl-C would (SIGTERM is handled the same way) and returns its exit code. */
async function stop(cli: Cli): Promise<number | null> {
  cli.child.kill('SIGTERM')
  return cli.exited
}

afterEach(async () => {
  // A failed test must not leave a server behind.
  for (const cli of running) {
    cli.child.kill('SIGKILL')
    await cli.exited
  }
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const api = async (root: string, path: string): Promise<{ status: number; body: unknown }> => {
  const answer = await fetch(`${root}${path}`, { headers: { Authorization: `token ${TOKEN}`, Accept: 'application/vnd.github+json' } })
  return { status: answer.status, body: await answer.json() }
}

/** POSTs a delivery-like request to the receiver, signed with `secret` (unsigned when undefined). */
const deliver = async (url: string, secret: string | undefined): Promise<number> => {
  const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 })
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-GitHub-Event': 'ping', 'X-GitHub-Hook-ID': '1' }
  if (secret !== undefined) headers['X-Hub-Signature-256'] = await sign(secret, body)
  return (await fetch(url, { method: 'POST', headers, body })).status
}

describe('the command', () => {
  test('--port 0 --repos 3 --receiver-secrets a,b: prints the real URLs; 3 repositories; the receiver checks signatures; SIGTERM stops it', async () => {
    const cli = spawnCli(['--port', '0', '--repos', '3', '--receiver-secrets', 'a,b'])
    const urls = await ready(cli)
    expect(urls.api).not.toMatch(/:0$/)
    expect(cli.stdout()).toContain(`API URL:      ${urls.api}`)
    expect(cli.stdout()).toContain(`receiver URL: ${urls.receiver}`)
    expect(cli.stdout()).toContain(`token:        ${TOKEN}`)
    // The example commands name the real URLs.
    expect(cli.stdout()).toContain(`INPUT_API_URL=${urls.api}`)
    expect(cli.stdout()).toContain(`INPUT_URL=${urls.receiver}`)

    const repos = await api(urls.api, '/orgs/octo-org/repos?sort=full_name&per_page=100')
    expect(repos.status).toBe(200)
    expect((repos.body as Array<{ full_name: string }>).map((r) => r.full_name)).toEqual(['octo-org/svc-000', 'octo-org/svc-001', 'octo-org/svc-002'])
    expect((await api(urls.api, '/orgs/octo-org/repos')).status).toBe(200)

    expect(await deliver(urls.receiver, 'a')).toBe(200)
    expect(await deliver(urls.receiver, 'b')).toBe(200)
    expect(await deliver(urls.receiver, 'c')).toBe(401)
    expect(await deliver(urls.receiver, undefined)).toBe(401)

    expect(await stop(cli)).toBe(0)
    expect(cli.stdout()).toMatch(/^\[receiver\] \d\d:\d\d:\d\d ping hook 1: signed with a -> 200$/m)
    expect(cli.stdout()).toMatch(/^\[receiver\] \d\d:\d\d:\d\d ping hook 1: signature does NOT verify -> 401$/m)
    expect(cli.stdout()).toContain('Stopped. The receiver got 4 deliveries, 2 with a signature that does not verify.')
  })

  test('--seed: repositories and hooks ({receiver} is the receiver URL); --receiver-status; --token', async () => {
    const seedFile = join(dir, 'seed.json')
    writeFileSync(
      seedFile,
      JSON.stringify({
        orgs: ['acme'],
        repositories: ['acme/api', { full_name: 'acme/old', archived: true }],
        hooks: [{ repository: 'acme/api', url: '{receiver}', secret: 'old', events: ['push', 'release'] }]
      })
    )
    const cli = spawnCli(['--port=0', '--seed', seedFile, '--receiver-status', '500', '--token', 'local', '--quiet'])
    const urls = await ready(cli)
    const get = (path: string, token: string) => fetch(`${urls.api}${path}`, { headers: { Authorization: `token ${token}` } })
    expect((await get('/orgs/acme/repos', TOKEN)).status).toBe(401)
    const hooks = await (await get('/repos/acme/api/hooks', 'local')).json()
    expect(hooks).toMatchObject([{ config: { url: urls.receiver, secret: '********' }, events: ['push', 'release'] }])
    expect((await get('/orgs/acme/repos', 'local')).status).toBe(200)
    expect(await deliver(urls.receiver, undefined)).toBe(500)
    expect(await stop(cli)).toBe(0)
    expect(cli.stdout()).not.toContain('[receiver]')
  })

  test('a bad flag: the error and the usage on stderr, exit code 2', async () => {
    const cli = spawnCli(['--repos', 'many'])
    expect(await cli.exited).toBe(2)
    expect(cli.stderr()).toContain("emulator: --repos must be an integer from 1 to 100000, got 'many'")
    expect(cli.stderr()).toContain('Usage: npm run emulator -- [options]')
    expect(cli.stdout()).toBe('')
  })
})

describe('parseCli', () => {
  test('defaults', () => {
    expect(parseCli([])).toEqual({
      port: 3000,
      repos: undefined,
      seed: undefined,
      latencyMs: 0,
      token: 'test-token',
      limits: 'none',
      receiver: true,
      receiverSecrets: [],
      receiverStatus: 200,
      receiverPort: undefined,
      quiet: false,
      help: false
    })
  })

  test('every flag', () => {
    expect(
      parseCli([
        '--port=4000',
        '--repos',
        '50',
        '--seed',
        'x.json',
        '--latency',
        '12.5',
        '--token',
        't',
        '--limits',
        'github',
        '--receiver-secrets',
        'old, new',
        '--receiver-status',
        '503',
        '--receiver-port',
        '4100',
        '--quiet'
      ])
    ).toEqual({
      port: 4000,
      repos: 50,
      seed: 'x.json',
      latencyMs: 12.5,
      token: 't',
      limits: 'github',
      receiver: true,
      receiverSecrets: ['old', 'new'],
      receiverStatus: 503,
      receiverPort: 4100,
      quiet: true,
      help: false
    })
    expect(parseCli(['--no-receiver']).receiver).toBe(false)
  })

  test.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['stray'], /Unexpected argument 'stray'/],
    [['--port'], /argument missing/],
    [['--port', '65536'], /--port must be an integer from 0 to 65535, got '65536'/],
    [['--port', '1.5'], /--port must be an integer/],
    [['--repos', '0'], /--repos must be an integer from 1 to 100000/],
    [['--latency=-1'], /--latency must be a non-negative number/],
    [['--latency', 'soon'], /--latency must be a non-negative number/],
    [['--limits', 'gitlab'], /--limits must be github or none, got 'gitlab'/],
    [['--receiver-secrets', 'a,,b'], /none empty/],
    [['--receiver-status', '99'], /--receiver-status must be an integer from 200 to 599/],
    [['--token', 'a b'], /--token must be a non-empty value without spaces/],
    [['--no-receiver', '--receiver-secrets', 'a'], /--no-receiver does not go with/],
    [['--port', '4000', '--receiver-port', '4000'], /--receiver-port must differ from --port/]
  ])('%j is refused', (args, message) => {
    expect(() => parseCli(args)).toThrow(UsageError)
    expect(() => parseCli(args)).toThrow(message)
  })
})

describe('readSeed', () => {
  const write = (name: string, content: unknown): string => {
    const file = join(dir, name)
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content))
    return file
  }

  test('repositories as names or objects, hooks on repositories and organizations', () => {
    const file = write('ok.json', {
      repositories: ['octo-org/a', { full_name: 'octo-org/b', topics: ['deploy'] }],
      hooks: [
        { repository: 'octo-org/a', url: '{receiver}?x=1', secret: 's' },
        { org: 'octo-org', url: 'https://example.com/h', active: false }
      ]
    })
    expect(readSeed(file, 'http://127.0.0.1:1/webhook')).toEqual({
      orgs: undefined,
      repositories: [{ full_name: 'octo-org/a' }, { full_name: 'octo-org/b', topics: ['deploy'] }],
      hooks: [
        { target: { owner: 'octo-org', repo: 'a' }, hook: { url: 'http://127.0.0.1:1/webhook?x=1', secret: 's' } },
        { target: { org: 'octo-org' }, hook: { url: 'https://example.com/h', active: false } }
      ]
    })
  })

  test.each([
    ['not JSON', '{', /--seed .*not-json\.json: .*JSON/i],
    ['an unknown key', { repos: [] }, /repos: unknown key/],
    ['a bad repository', { repositories: [42] }, /repositories\[0\]: must be "owner\/name"/],
    ['a repository key', { repositories: [{ full_name: 'o/r', stars: 1 }] }, /repositories\[0\]: unknown key stars/],
    ['a hook without target', { hooks: [{ url: 'https://x' }] }, /hooks\[0\]: needs either repository/],
    ['a hook with both targets', { hooks: [{ repository: 'o/r', org: 'o', url: 'https://x' }] }, /hooks\[0\]: needs either/],
    ['a hook without url', { hooks: [{ repository: 'o/r' }] }, /hooks\[0\]: needs a url/],
    ['a hook key', { hooks: [{ repository: 'o/r', url: 'https://x', sekret: 's' }] }, /hooks\[0\]: unknown key sekret/],
    ['a bad repository name', { hooks: [{ repository: 'o', url: 'https://x' }] }, /repository must be owner\/name/]
  ])('refuses %s', (name, content, message) => {
    const file = write(`${name.replace(/\W+/g, '-')}.json`, content)
    expect(() => readSeed(file, 'http://127.0.0.1:1/webhook')).toThrow(UsageError)
    expect(() => readSeed(file, 'http://127.0.0.1:1/webhook')).toThrow(message)
  })

  test('{receiver} without a receiver is refused', () => {
    const file = write('no-receiver.json', { hooks: [{ repository: 'o/r', url: '{receiver}' }] })
    expect(() => readSeed(file, undefined)).toThrow(/there is no receiver/)
  })
})

test('serviceRepositories: svc-000 … with the fleet mix rule, wider names past 1000', () => {
  expect(serviceRepositories(3).map((r) => r.full_name)).toEqual(['octo-org/svc-000', 'octo-org/svc-001', 'octo-org/svc-002'])
  expect(serviceRepositories(10)[9]).toMatchObject({ full_name: 'octo-org/svc-009', archived: true })
  expect(serviceRepositories(1001)[1000].full_name).toBe('octo-org/svc-1000')
  expect(serviceRepositories(1001)[0].full_name).toBe('octo-org/svc-0000')
})
