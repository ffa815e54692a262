/**
 * action.yml is the reference of the inputs and outputs: its defaults are the code's defaults (and,
 * since the runner sets every default on every run, a default changes nothing and warns about
 * nothing), and the README's tables of inputs and outputs are generated from it (.ci/reference.mjs).
 */
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from '@jest/globals'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { renderInputs, renderOutputs, updateReadme, type ActionMetadata } from '../.ci/reference.mjs'
import { ACTION_DEFAULTS, getRequest, inputNames } from '../src/inputs/index.js'
import type { WebhookRequest } from '../src/model.js'
import { OPERATION_TABLE, OPERATIONS, type Operation } from '../src/operations.js'

/** Every input the action reads. */
const INPUTS = inputNames(OPERATION_TABLE)

const actionYml = readFileSync(new URL('../action.yml', import.meta.url), 'utf8')
const action = parse(actionYml) as Required<ActionMetadata>
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

/** The inputs action.yml gives a default, with it. */
const declaredDefaults = Object.fromEntries(
  Object.entries(action.inputs)
    .filter(([, input]) => input.default !== undefined)
    .map(([name, input]) => [name, input.default as string])
)

/** What the runner sets for `${{ … }}` defaults on github.com. */
const EXPRESSIONS: Record<string, string> = { '${{ github.api_url }}': 'https://api.github.com' }

const ENV = { GITHUB_REPOSITORY: 'octo-org/hello-world', GITHUB_API_URL: 'https://api.github.com' }

/** A minimal valid webhooks file, for `plan` and `apply`. */
const FIXTURE_FILE = fileURLToPath(new URL('./fixtures/webhooks.yml', import.meta.url))

/**
 * For an operation, the fewest inputs that run it with no warning: for each need its module declares
 * (src/operations/), one input that meets it; a webhooks file for an operation over one. A new
 * operation is covered without an entry here.
 */
function minimal(operation: Operation): Record<string, string> {
  const spec = OPERATION_TABLE[operation].inputs
  const inputs: Record<string, string> = spec.file ? { file: FIXTURE_FILE } : {}
  for (const need of spec.needs) {
    if (need === 'hook_id|url') Object.assign(inputs, spec.url === 'new' ? { url: 'https://example.com/h' } : { hook_id: '1' })
    if (need === 'url') inputs.url = 'https://example.com/h'
    if (need === 'delivery_id') inputs.delivery_id = '2'
    if (need === 'secret') inputs.secret = 's3cret'
    if (need === 'change') inputs.content_type = 'json'
  }
  return inputs
}

/** getRequest as the step would run it; the times (when the step began, `since` derived from it) left out. */
function request(inputs: Record<string, string>): Omit<WebhookRequest, 'started_at' | 'since'> & { since?: boolean } {
  const all: Record<string, string> = { token: 't0ken', ...inputs }
  const { started_at: _started, since, ...rest } = getRequest(OPERATION_TABLE, (name) => all[name] ?? '', ENV)
  return { ...rest, since: since !== undefined }
}

describe('defaults', () => {
  test("action.yml's fixed defaults are the code's ACTION_DEFAULTS, and only operation is required", () => {
    const fixed = Object.fromEntries(Object.entries(declaredDefaults).filter(([, value]) => !value.includes('${{')))
    expect(fixed).toEqual(ACTION_DEFAULTS)
    expect(Object.keys(ACTION_DEFAULTS).filter((name) => !INPUTS.includes(name))).toEqual([])
    expect(declaredDefaults.api_url).toBe('${{ github.api_url }}')
    expect(Object.keys(declaredDefaults).filter((name) => !(name in ACTION_DEFAULTS))).toEqual(['api_url'])
    expect(Object.keys(action.inputs).filter((name) => action.inputs[name].required === true)).toEqual(['operation'])
    for (const [name, input] of Object.entries(action.inputs)) expect([name, typeof input.required]).toEqual([name, 'boolean'])
  })

  test('no description repeats a default that action.yml gives', () => {
    const repeating = Object.keys(declaredDefaults).filter((name) => /\bdefault\b/i.test(action.inputs[name].description ?? ''))
    expect(repeating).toEqual([])
  })

  // Proves each code default: the request built with the default set is the one built without it.
  describe.each(Object.entries(ACTION_DEFAULTS))('%s: %s', (name, value) => {
    test.each(OPERATIONS.map((operation) => [operation]))('changes nothing for %s', (operation) => {
      // (Not for an input the minimal set gives itself: plan and apply name their own file.)
      if (name in minimal(operation)) return
      expect(request({ operation, ...minimal(operation), [name]: value })).toEqual(request({ operation, ...minimal(operation) }))
    })
    test('changes nothing over many repositories', () => {
      const fleet = { operation: 'ensure', url: 'https://example.com/h', repositories: 'octo-org/svc-*' }
      expect(request({ ...fleet, [name]: value })).toEqual(request(fleet))
    })
  })

  test.each(OPERATIONS.map((operation) => [operation]))(
    '%s with every action.yml default set, as the runner sets them, warns about nothing',
    (operation) => {
      const runnerDefaults = Object.fromEntries(Object.entries(declaredDefaults).map(([name, value]) => [name, EXPRESSIONS[value] ?? value]))
      const inputs = { ...runnerDefaults, operation, ...minimal(operation) }
      expect(request(inputs).warnings).toEqual([])
      expect(request({ ...inputs, repository: '', repositories: 'octo-org/hello-world' }).warnings).toEqual([])
    }
  )

  test('a value other than the default is still an input the operation ignores', () => {
    expect(request({ operation: 'list', dry_run: 'true', canary: '2' }).warnings).toEqual([
      "Input 'dry_run' is ignored by operation 'list'.",
      "Input 'canary' is ignored by operation 'list'."
    ])
  })
})

describe('descriptions', () => {
  const DOCS = [
    'docs/many-repositories.md',
    'docs/rotation-and-audit.md',
    'docs/app-webhooks.md',
    'docs/health-report.md',
    'docs/reliability.md',
    'docs/rate-limits.md',
    'docs/benchmarks.md',
    'docs/development.md',
    'docs/running-locally.md',
    'docs/inventory.md'
  ]
  const described = [...Object.entries(action.inputs), ...Object.entries(action.outputs)].map(([name, { description }]) => ({
    name,
    description: description ?? ''
  }))

  test('every input and output has a short description (one or two sentences)', () => {
    // `operation` lists every operation (see 'action.yml lists every operation'): longer, one sentence.
    const long = described.filter(
      ({ name, description }) =>
        description === '' ||
        description.length > (name === 'operation' ? 400 : 260) ||
        description.replace(/\b(e\.g|i\.e)\./g, '').split(/[.!?](?:\s|$)/).length > 3
    )
    expect(long.map(({ name }) => name)).toEqual([])
  })

  test('links point to the docs pages', () => {
    const links = described.flatMap(({ name, description }) => [...description.matchAll(/\]\(([^)]*)\)/g)].map((match) => ({ name, link: match[1] })))
    expect(links.length).toBeGreaterThan(0)
    expect(links.filter(({ link }) => !DOCS.includes(link) || !existsSync(new URL(`../${link}`, import.meta.url)))).toEqual([])
  })
})

describe('docs', () => {
  test('every test file the README, SECURITY.md and docs/ cite exists', () => {
    const pages = [
      'README.md',
      'SECURITY.md',
      ...readdirSync(new URL('../docs/', import.meta.url))
        .filter((name: string) => name.endsWith('.md'))
        .map((name: string) => `docs/${name}`)
    ]
    const cited = pages.flatMap((page) =>
      [...readFileSync(new URL(`../${page}`, import.meta.url), 'utf8').matchAll(/__tests__\/[\w./-]+\.test\.ts/g)].map((match) => ({
        page,
        file: match[0]
      }))
    )
    expect(cited.length).toBeGreaterThan(0)
    expect(cited.filter(({ file }) => !existsSync(new URL(`../${file}`, import.meta.url)))).toEqual([])
  })
})

describe('operations', () => {
  test("action.yml's operation input lists every operation the code accepts, and no other", () => {
    const listed = [...(action.inputs.operation.description ?? '').matchAll(/`([a-z-]+)`/g)].map((match) => match[1])
    expect(listed).toEqual([...OPERATIONS])
  })

  test("action.yml's description names webhooks as code and inventory", () => {
    const { description } = parse(actionYml) as { description: string }
    expect(description).toMatch(/webhooks as code/)
    expect(description).toMatch(/inventory/)
  })
})

describe('README', () => {
  /** The text of a `## ` section of the README, up to the next one. */
  const section = (title: string): string => readme.split(/^## /m).find((part) => part.startsWith(`${title}\n`)) ?? ''

  test('"Running it locally" shows both commands a newcomer needs: the tests and the demo (and .ci/run runs the tests)', () => {
    const local = section('Running it locally')
    expect(local).not.toBe('')
    const commands = [...local.matchAll(/^(npm (?:test|run \S+|ci)\b)/gm)].map((match) => match[1])
    expect(commands).toEqual(expect.arrayContaining(['npm test', 'npm run demo']))
    const scripts = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts
    expect(Object.keys(scripts)).toEqual(expect.arrayContaining(['test', 'demo']))
    expect(readFileSync(new URL('../.ci/run', import.meta.url), 'utf8')).toMatch(/^npm test$/m)
  })

  test('"Running it locally" says GITHUB_OUTPUT and GITHUB_STEP_SUMMARY must be set to see outputs and the summary', () => {
    const local = section('Running it locally')
    expect(local).toMatch(/GITHUB_OUTPUT/)
    expect(local).toMatch(/GITHUB_STEP_SUMMARY/)
  })

  test("the README's first workflow example runs the headline job, ensure", () => {
    const first = /^\s*operation: (\S+)$/m.exec(readme)
    expect(first?.[1]).toBe('ensure')
  })

  test("the inputs and outputs tables are action.yml's (run 'npm run reference')", () => {
    expect(readme).toContain(`<!-- start inputs -->\n\n${renderInputs(action)}\n\n<!-- end inputs -->`)
    expect(readme).toContain(`<!-- start outputs -->\n\n${renderOutputs(action)}\n\n<!-- end outputs -->`)
    expect(updateReadme(readme, actionYml)).toBe(readme)
  })

  test('the tables stay compact (at most 10 KB together)', () => {
    expect(Buffer.byteLength(renderInputs(action)) + Buffer.byteLength(renderOutputs(action))).toBeLessThanOrEqual(10 * 1024)
  })

  test('the tables list every input in the order of action.yml, with its default', () => {
    const rows = renderInputs(action).split('\n').slice(2)
    expect(rows.map((row) => /^\| `([a-z_]+)` \|/.exec(row)?.[1])).toEqual(Object.keys(action.inputs))
    expect(rows.find((row) => row.startsWith('| `operation` |'))).toMatch(/^\| `operation` \| required \| /)
    expect(rows.find((row) => row.startsWith('| `per_page` |'))).toMatch(/^\| `per_page` \| `100` \| /)
    expect(rows.find((row) => row.startsWith('| `token` |'))).toMatch(/^\| `token` \| {2}\| /)
  })

  test('a | in a description is escaped, and the markers are required', () => {
    const table = renderInputs({ inputs: { x: { description: 'a | b\nc', default: '1' } } })
    expect(table.split('\n')[2]).toBe('| `x` | `1` | a \\| b c |')
    expect(() => updateReadme('no markers', actionYml)).toThrow(/<!-- start inputs -->/)
  })
})
