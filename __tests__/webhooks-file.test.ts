/**
 * The webhooks file (src/inputs/webhooks-file.ts): every problem it reports, each as `FILE:LINE: KEY: …;
 * it accepts …`, all of them at once; the defaults; secrets read from the environment, masked, and
 * never repeated; the JSON Schema itself (Ajv, strict mode); and `export`'s rendering read back.
 * Pure: no emulator, no request.
 */
import { afterAll, describe, expect, test } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ajv } from 'ajv'
import { parseDocument } from 'yaml'
import { urlGlobMatches, urlGlobProblem, type ExportEntry, type WebhookEntry } from '../src/model.js'
import { redact } from '../src/github/index.js'
import {
  maskWebhooksFileSecrets,
  readWebhooksFile,
  renderWebhooksFile,
  WebhooksFileError,
  workspacePath,
  type ReadWebhooksFileOptions
} from '../src/inputs/webhooks-file.js'
import schema from '../src/webhooks.schema.json' with { type: 'json' }

const FILE = '.github/webhooks.yml'

/** The lines as one file (line 1 first). */
const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`

/** The problems of a file that must fail. */
function problemsOf(text: string, env: NodeJS.ProcessEnv = {}, options?: ReadWebhooksFileOptions): string[] {
  try {
    readWebhooksFile(FILE, env, text, options)
  } catch (error) {
    if (error instanceof WebhooksFileError) {
      expect(error.message.split('\n').slice(1)).toEqual(error.problems)
      return error.problems
    }
    throw error
  }
  throw new Error('the file was accepted')
}

/** The one problem of a file that must fail with exactly one. */
function problemOf(text: string, env: NodeJS.ProcessEnv = {}, options?: ReadWebhooksFileOptions): string {
  const problems = problemsOf(text, env, options)
  expect(problems).toHaveLength(1)
  return problems[0]
}

/** A valid entry over one repository, from line `2`: its name and the lines after it. */
const entry = (name: string, ...rest: string[]): string[] => [`  - name: ${name}`, ...rest]

describe('readWebhooksFile: problems', () => {
  const dirs: string[] = []
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

  test('a YAML syntax error, with its line and no excerpt of the file', () => {
    const problem = problemOf(yaml('hooks:', '  - name: a', '  url: https://a.example.com/', '    secret: hunter2-hunter2'))
    expect(problem).toMatch(/^\.github\/webhooks\.yml:3: YAML syntax error: /)
    expect(problem).not.toContain('hunter2')
    expect(problemOf(yaml('hooks:', '  - name: a', '    url: https://a.example.com/', '    url: https://b.example.com/', '    org: o'))).toMatch(
      /^\.github\/webhooks\.yml:4: YAML syntax error: Map keys must be unique/
    )
  })

  test('an empty file, and a file that is not a mapping', () => {
    expect(problemOf('')).toBe(
      `${FILE}:1: is empty; it accepts a mapping with hooks:, a list of entries each with name, url and either org or repositories, and optionally prune:`
    )
    expect(problemOf(yaml('- name: a'))).toMatch(/^\.github\/webhooks\.yml:1: is a list; it accepts a mapping with hooks:/)
    expect(problemOf(yaml('prune: []'))).toMatch(/^\.github\/webhooks\.yml:1: hooks: is missing; it accepts a list of entries/)
    expect(problemOf(yaml('hooks: []'))).toBe(
      `${FILE}:1: hooks: is an empty list; it accepts a list of entries, each a mapping with name, url and either org or repositories (e.g. - name: deploy)`
    )
  })

  test('unknown keys, at the top and in an entry, with "did you mean"', () => {
    const problems = problemsOf(
      yaml('hooks:', ...entry('a', '    org: o', '    url: https://a.example.com/', '    evnts: [push]', '    colour: red'), 'hoks: 1')
    )
    expect(problems).toEqual([
      `${FILE}:5: hooks[0].evnts: unknown key 'evnts' (did you mean 'events'?); it accepts the keys of an entry: name, url, events, content_type, insecure_ssl, active, secret_env, org, repositories, include_archived, include_forks, topics, repository_property, previous_urls`,
      `${FILE}:6: hooks[0].colour: unknown key 'colour'; it accepts the keys of an entry: name, url, events, content_type, insecure_ssl, active, secret_env, org, repositories, include_archived, include_forks, topics, repository_property, previous_urls`,
      `${FILE}:7: hoks: unknown key 'hoks' (did you mean 'hooks'?); it accepts the top-level keys hooks, prune`
    ])
  })

  test('a secret key: use secret_env, and its value is never shown', () => {
    for (const key of ['secret', 'Secret']) {
      const problem = problemOf(yaml('hooks:', ...entry('a', '    org: o', '    url: https://a.example.com/', `    ${key}: s3cr3t-v4lue-1234`)))
      expect(problem).toMatch(new RegExp(`^\\.github/webhooks\\.yml:5: hooks\\[0\\]\\.${key}: a secret is never written in the file `))
      expect(problem).toContain('use secret_env, the NAME of an environment variable')
      expect(problem).toContain("set in the step's env: from a secret")
      expect(problem).not.toContain('s3cr3t')
    }
  })

  test('name: missing, blank, or the name of another entry (both lines named)', () => {
    expect(problemOf(yaml('hooks:', '  - org: o', '    url: https://a.example.com/'))).toBe(
      `${FILE}:2: hooks[0].name: is missing; it accepts a name unique in the file that is not blank (e.g. deploy)`
    )
    expect(problemOf(yaml('hooks:', ...entry('""', '    org: o', '    url: https://a.example.com/')))).toBe(
      `${FILE}:2: hooks[0].name: is blank; it accepts a name unique in the file that is not blank (e.g. deploy)`
    )
    expect(problemOf(yaml('hooks:', ...entry('"  "', '    org: o', '    url: https://a.example.com/')))).toMatch(/:2: hooks\[0\]\.name: is blank;/)
    expect(problemOf(yaml('hooks:', ...entry('7', '    org: o', '    url: https://a.example.com/')))).toMatch(
      /:2: hooks\[0\]\.name: is a number; it accepts a name/
    )
    expect(
      problemOf(
        yaml(
          'hooks:',
          ...entry('deploy', '    org: o', '    url: https://a.example.com/'),
          ...entry('deploy', '    org: p', '    url: https://a.example.com/')
        )
      )
    ).toBe(
      `${FILE}:5: hooks[1].name: 'deploy' is also the name of hooks[0] (line 2); it accepts a name unique in the file that is not blank (e.g. deploy)`
    )
  })

  test('url: missing, or not an absolute http(s) URL, never shown', () => {
    expect(problemOf(yaml('hooks:', ...entry('a', '    org: o')))).toBe(
      `${FILE}:2: hooks[0].url: is missing; it accepts an absolute http:// or https:// URL`
    )
    expect(problemOf(yaml('hooks:', ...entry('a', '    org: o', '    url:')))).toBe(
      `${FILE}:4: hooks[0].url: is empty; it accepts an absolute http:// or https:// URL`
    )
    for (const url of ['ftp://user:pw123456@example.com/x', '/relative/path', 'example.com/hook']) {
      const problem = problemOf(yaml('hooks:', ...entry('a', '    org: o', `    url: ${url}`)))
      expect(problem).toBe(
        `${FILE}:4: hooks[0].url: is not an absolute http:// or https:// URL (its value is not shown: it may hold a credential); it accepts an absolute http:// or https:// URL`
      )
    }
  })

  test('previous_urls: each an absolute http(s) URL other than url', () => {
    expect(
      problemsOf(
        yaml(
          'hooks:',
          ...entry(
            'a',
            '    org: o',
            '    url: https://a.example.com/',
            '    previous_urls:',
            '      - ftp://old.example.com/',
            '      - https://A.example.com/',
            '      - 3'
          )
        )
      )
    ).toEqual([
      `${FILE}:6: hooks[0].previous_urls[0]: is not an absolute http:// or https:// URL (its value is not shown: it may hold a credential); it accepts an absolute http:// or https:// URL`,
      `${FILE}:7: hooks[0].previous_urls[1]: is the same as url (not shown); it accepts a former URL of the hook: an absolute http:// or https:// URL other than url`,
      `${FILE}:8: hooks[0].previous_urls[2]: is a number; it accepts a former URL of the hook: an absolute http:// or https:// URL other than url`
    ])
  })

  test('events: unknown names with "did you mean", malformed names; * and allow_unknown_events', () => {
    const text = yaml(
      'hooks:',
      ...entry(
        'a',
        '    org: o',
        '    url: https://a.example.com/',
        '    events:',
        '      - push',
        '      - pull_reqest',
        '      - "a,b"',
        '      - future_event'
      )
    )
    expect(problemsOf(text)).toEqual([
      `${FILE}:7: hooks[0].events[1]: has an unknown webhook event: 'pull_reqest' (did you mean 'pull_request'?); it accepts GitHub's webhook event names (push, pull_request, issues, … or * for all). Set 'allow_unknown_events: true' for an event newer than this action knows (e.g. on GitHub Enterprise Server)`,
      `${FILE}:8: hooks[0].events[2]: has 'a,b'; it accepts webhook event names such as push, pull_request or * (all events)`,
      `${FILE}:9: hooks[0].events[3]: has an unknown webhook event: 'future_event'; it accepts GitHub's webhook event names (push, pull_request, issues, … or * for all). Set 'allow_unknown_events: true' for an event newer than this action knows (e.g. on GitHub Enterprise Server)`
    ])
    // With allow_unknown_events, only the shape is checked.
    expect(problemsOf(text, {}, { allow_unknown_events: true })).toEqual([expect.stringMatching(/:8: hooks\[0\]\.events\[2\]: has 'a,b'/)])
    const all = readWebhooksFile(
      FILE,
      {},
      yaml('hooks:', ...entry('a', '    org: o', '    url: https://a.example.com/', '    events: ["*", push, push]'))
    )
    expect(all.hooks[0].events).toEqual(['*', 'push'])
    expect(problemOf(yaml('hooks:', ...entry('a', '    org: o', '    url: https://a.example.com/', '    events: []')))).toMatch(
      /:5: hooks\[0\]\.events: is an empty list; it accepts a list of webhook event names/
    )
    expect(problemOf(yaml('hooks:', ...entry('a', '    org: o', '    url: https://a.example.com/', '    events: push')))).toMatch(
      /:5: hooks\[0\]\.events: is a string; it accepts a list of webhook event names/
    )
  })

  test('repositories: the rules of the repositories input, each item at its line', () => {
    const problems = problemsOf(
      yaml(
        'hooks:',
        ...entry(
          'a',
          '    url: https://a.example.com/',
          '    repositories:',
          '      - "!octo-org/legacy"',
          '      - octo-org/svc-*',
          '      - octo-org/!svc-*',
          '      - no-slash',
          '      - "!octo-org/svc-legacy"'
        )
      )
    )
    expect(problems).toEqual([
      `${FILE}:5: hooks[0].repositories[0]: has '!octo-org/legacy' first (an exclusion removes what EARLIER entries selected); it accepts owner/name, owner/glob over names (owner/*, owner/svc-*), or !owner/name, !owner/glob to exclude what earlier entries selected`,
      expect.stringMatching(
        /^\.github\/webhooks\.yml:7: hooks\[0\]\.repositories\[2\]: has 'octo-org\/!svc-\*' \(a repository name holds only .*; it accepts owner\/name/
      ),
      `${FILE}:8: hooks[0].repositories[3]: has 'no-slash'; it accepts owner/name, owner/glob over names (owner/*, owner/svc-*), or !owner/name, !owner/glob to exclude what earlier entries selected`
    ])
  })

  test('topics and repository_property: the parsers of the inputs', () => {
    expect(
      problemsOf(
        yaml(
          'hooks:',
          ...entry(
            'a',
            '    url: https://a.example.com/',
            '    repositories: [octo-org/svc-*]',
            '    topics: [service, "bad topic"]',
            '    repository_property: team'
          )
        )
      )
    ).toEqual([
      `${FILE}:5: hooks[0].topics[1]: has 'bad topic'; it accepts repository topics (lower-case letters, digits and hyphens, at most 50 characters)`,
      `${FILE}:6: hooks[0].repository_property: is 'team'; it accepts name=value: a custom property of the organization and the value a repository must have, e.g. team=platform`
    ])
  })

  test('org: a login; exactly one of org and repositories; the filters only with repositories', () => {
    expect(problemOf(yaml('hooks:', ...entry('a', '    org: octo_org!', '    url: https://a.example.com/')))).toBe(
      `${FILE}:3: hooks[0].org: is 'octo_org!'; it accepts an organization login (letters, digits and inner hyphens), e.g. octo-org`
    )
    expect(problemOf(yaml('hooks:', ...entry('a', '    url: https://a.example.com/')))).toBe(
      `${FILE}:2: hooks[0]: sets neither 'org' nor 'repositories'; it accepts exactly one: org for the organization's own hook, or repositories for a hook on each repository they select`
    )
    expect(problemOf(yaml('hooks:', ...entry('a', '    url: https://a.example.com/', '    repositories: [o/r]', '    org: o')))).toBe(
      `${FILE}:5: hooks[0].org: sets both 'org' and 'repositories'; it accepts exactly one: org for the organization's own hook, or repositories for a hook on each repository they select`
    )
    expect(problemOf(yaml('hooks:', ...entry('a', '    url: https://a.example.com/', '    org: o', '    topics: [service]')))).toBe(
      `${FILE}:5: hooks[0].topics: narrows the repositories that 'repositories' lists, but this entry has no 'repositories' (it sets 'org'); it accepts a list of repository topics, e.g. [service]`
    )
  })

  test('secret_env: a variable name (not shown otherwise), set and not empty', () => {
    const at = (value: string): string =>
      yaml('hooks:', ...entry('deploy', '    org: o', '    url: https://a.example.com/', `    secret_env: ${value}`))
    const invalid = problemOf(at('"9f8e7d6c-secret"'))
    expect(invalid).toMatch(
      /^\.github\/webhooks\.yml:5: hooks\[0\]\.secret_env: is not valid \(its value is not shown: it may be the secret itself\); it accepts the NAME of an environment variable/
    )
    expect(invalid).not.toContain('9f8e7d6c')
    const variable =
      "the environment variable that its secret_env names (the name is not shown: if it is the secret itself, rotate it, it is in the repository's history)"
    const help =
      "set that variable in the step's env: from a secret, e.g. secret_env: DEPLOY_WEBHOOK_SECRET with env: { DEPLOY_WEBHOOK_SECRET: ${{ secrets.DEPLOY_WEBHOOK_SECRET }} }"
    expect(problemOf(at('DEPLOY_SECRET'))).toBe(
      `${FILE}:5: hooks[0].secret_env: entry 'deploy' reads its secret from ${variable}, which is not set; ${help}`
    )
    for (const empty of ['', '  ']) {
      expect(problemOf(at('DEPLOY_SECRET'), { DEPLOY_SECRET: empty })).toBe(
        `${FILE}:5: hooks[0].secret_env: entry 'deploy' reads its secret from ${variable}, which is empty (a secret that does not exist, or that this workflow run cannot read, e.g. on a pull request from a fork, expands to ''); ${help}`
      )
    }
    // A secret pasted in place of the name (40 hex characters starting with a letter: a valid variable
    // name) is never echoed: the entry and the line are named instead.
    const pasted = 'f3a9c1d2e4b5a6978877665544332211aabbccdd'
    const problem = problemOf(at(pasted))
    expect(problem).toMatch(
      /^\.github\/webhooks\.yml:5: hooks\[0\]\.secret_env: entry 'deploy' reads its secret from the environment variable that its secret_env names/
    )
    expect(problem).not.toContain(pasted)
    expect(problemOf(at(pasted), { [pasted]: '' })).not.toContain(pasted)
    expect(problemOf(at('DEPLOY_SECRET'), { DEPLOY_SECRET: '********' })).toMatch(
      /which holds '\*{8}', the mask GitHub returns in place of a stored secret/
    )
  })

  test('two entries that put the same URL on one target: the same org, or the same literal owner/name', () => {
    const url = '    url: https://a.example.com/hook'
    expect(
      problemOf(
        yaml(
          'hooks:',
          ...entry('a', '    org: octo-org', url),
          ...entry('b', '    org: Octo-Org', '    url: https://A.EXAMPLE.com/hook', '    events: [issues]')
        )
      )
    ).toBe(
      `${FILE}:7: hooks[1].url: names the same URL (not shown) as hooks[0].url of entry 'a' (line 4), on organization Octo-Org; it accepts one hook per URL and target: merge the two entries, or keep the target in one of them`
    )
    expect(
      problemOf(
        yaml(
          'hooks:',
          ...entry('a', url, '    repositories: [octo-org/svc-*, octo-org/api]'),
          ...entry('b', url, '    repositories: [octo-org/web, Octo-Org/API]')
        )
      )
    ).toBe(
      `${FILE}:6: hooks[1].url: names the same URL (not shown) as hooks[0].url of entry 'a' (line 3), on Octo-Org/API; it accepts one hook per URL and target: merge the two entries, or keep the target in one of them (an exclusion such as "!Octo-Org/API" after the other's glob)`
    )
    // A previous URL of one entry that is the url of another: apply would move the other's hook.
    expect(
      problemOf(
        yaml(
          'hooks:',
          ...entry('a', url, '    repositories: [octo-org/api]'),
          ...entry('b', '    url: https://b.example.com/', '    previous_urls: [https://a.example.com/hook]', '    repositories: [octo-org/api]')
        )
      )
    ).toMatch(
      /^\.github\/webhooks\.yml:7: hooks\[1\]\.previous_urls\[0\]: names the same URL \(not shown\) as hooks\[0\]\.url of entry 'a' \(line 3\), on octo-org\/api;/
    )
    // Issue 26, case 3: a glob and a literal name it matches decide the overlap from the file alone
    // (the glob has no filter that could leave the repository out): refused before any request.
    expect(
      problemOf(yaml('hooks:', ...entry('a', url, '    repositories: [octo-org/svc-*]'), ...entry('b', url, '    repositories: [octo-org/svc-a]')))
    ).toMatch(
      /^\.github\/webhooks\.yml:6: hooks\[1\]\.url: names the same URL \(not shown\) as hooks\[0\]\.url of entry 'a' \(line 3\), on octo-org\/svc-a;/
    )
    expect(
      problemOf(
        yaml(
          'hooks:',
          ...entry('ci', url, '    repositories: [octo-org/svc-a]'),
          ...entry(
            'deploy',
            '    url: https://b.example.com/',
            '    previous_urls: [https://a.example.com/hook]',
            '    repositories: [octo-org/svc-*]'
          )
        )
      )
    ).toMatch(/hooks\[1\]\.previous_urls\[0\]: names the same URL \(not shown\) as hooks\[0\]\.url of entry 'ci' \(line 3\), on octo-org\/svc-a;/)
    // Two globs, or a glob with a filter, are compared only after listing (by the plan); an org hook and
    // a repository hook are different targets; a literal name excluded again is no target.
    for (const [first, second] of [
      ['[octo-org/svc-*]', '[octo-org/svc-a*]'],
      ['[octo-org/svc-*]\n    topics: [go]', '[octo-org/svc-a]'],
      ['[octo-org/svc-*, "!octo-org/svc-a"]', '[octo-org/svc-a]'],
      ['[octo-org/api, "!octo-org/api"]', '[octo-org/api]']
    ]) {
      expect(() =>
        readWebhooksFile(
          FILE,
          {},
          yaml('hooks:', ...entry('a', url, `    repositories: ${first}`), ...entry('b', url, `    repositories: ${second}`))
        )
      ).not.toThrow()
    }
    expect(() =>
      readWebhooksFile(FILE, {}, yaml('hooks:', ...entry('a', url, '    org: octo-org'), ...entry('b', url, '    repositories: [octo-org/api]')))
    ).not.toThrow()
  })

  test('prune: globs over URLs; an entry whose url a glob matches is fine', () => {
    const hooks = ['hooks:', ...entry('a', '    org: o', '    url: https://deploy.example.com/github')]
    const file = readWebhooksFile(FILE, {}, yaml(...hooks, 'prune:', '  - https://*.example.com/**', '  - http://hooks.example.org/ci/*'))
    expect(file.prune).toEqual(['https://*.example.com/**', 'http://hooks.example.org/ci/*'])
    expect(
      problemsOf(yaml(...hooks, 'prune:', '  - "*"', '  - https://*/**', '  - https://*.example.com/a b', '  - 7', '  - https://*.example.com:x/'))
    ).toEqual([
      `${FILE}:6: prune[0]: does not start with http:// or https:// (the scheme is written out, no wildcard); it accepts a glob over hook URLs: http:// or https://, a host with at least one literal label, then a path; * matches any characters but /, ** any characters (e.g. https://*.example.com/**)`,
      expect.stringMatching(/^\.github\/webhooks\.yml:7: prune\[1\]: has no literal label in its host \(.*\); it accepts a glob over hook URLs/),
      expect.stringMatching(/^\.github\/webhooks\.yml:8: prune\[2\]: holds white space; it accepts/),
      expect.stringMatching(/^\.github\/webhooks\.yml:9: prune\[3\]: is a number; it accepts/),
      expect.stringMatching(/^\.github\/webhooks\.yml:10: prune\[4\]: is not a URL once its wildcards are replaced; it accepts/)
    ])
    expect(problemOf(yaml(...hooks, 'prune: https://*.example.com/**'))).toMatch(/:5: prune: is a string; it accepts a list of globs over hook URLs/)
  })

  test('urlGlobMatches: * within a segment, ** across, ? literal, host case-insensitive', () => {
    expect(urlGlobMatches('https://*.example.com/**', 'https://deploy.example.com/github')).toBe(true)
    expect(urlGlobMatches('https://*.example.com/**', 'https://Deploy.EXAMPLE.com/a/b?c=1')).toBe(true)
    expect(urlGlobMatches('https://*.example.com/**', 'https://example.com/github')).toBe(false)
    expect(urlGlobMatches('https://*.example.com/**', 'http://deploy.example.com/github')).toBe(false)
    expect(urlGlobMatches('https://*.example.com/**', 'https://evil.com/x.example.com/')).toBe(false)
    expect(urlGlobMatches('https://ci.example.com/*', 'https://ci.example.com/a/b')).toBe(false)
    expect(urlGlobMatches('https://ci.example.com/hook?v=1', 'https://ci.example.com/hookXv=1')).toBe(false)
    expect(urlGlobMatches('https://ci.example.com/Hook', 'https://ci.example.com/hook')).toBe(false)
    expect(urlGlobMatches('https://*.example.com/**', 'https://evil.com?.example.com/')).toBe(false)
    expect(urlGlobMatches('https://*.example.com/**', 'https://a.example.com')).toBe(true)
    expect(urlGlobMatches('https://*.example.com/**', 'https://a.example.com:8443/x')).toBe(false)
    expect(urlGlobMatches('https://a.example.com/x/**', 'https://a.example.com/x')).toBe(true)
    expect(urlGlobMatches('https://a.example.com/x/**', 'https://a.example.com/xy')).toBe(false)
    expect(urlGlobProblem('https://*.example.com/**')).toBeUndefined()
    expect(urlGlobProblem('http://127.0.0.1:*/**')).toBeUndefined()
    expect(urlGlobMatches('http://127.0.0.1:*/**', 'http://127.0.0.1:54321/hook?x=1')).toBe(true)
    expect(urlGlobProblem('https://user:*@*.example.com/**')).toBeUndefined()
    expect(urlGlobProblem('https://*:443/**')).toMatch(/^has no literal label/)
  })

  test('every key of an entry with the wrong type says what it accepts', () => {
    const keys = Object.keys(schema.properties.hooks.items.properties).filter((key) => key !== 'secret')
    const base: Record<string, string> = { name: '    name: a', url: '    url: https://a.example.com/', repositories: '    repositories: [o/r]' }
    for (const key of keys) {
      const others = Object.entries(base).flatMap(([name, line]) => (name === key ? [] : [line]))
      const problems = problemsOf(yaml('hooks:', '  -', ...others, `    ${key}: { x: 1 }`))
      const problem = problems.find((text) => text.includes(`hooks[0].${key}: is a mapping`))
      expect(problem).toMatch(/; it accepts /)
      expect(problem).not.toContain('webhooks.schema.json describes')
    }
  })

  test('every problem at once, each FILE:LINE: KEY: …; it accepts …, sorted by line', () => {
    const problems = problemsOf(
      yaml(
        'hooks:',
        ...entry('a', '    org: o', '    url: nope', '    evnts: [push]'),
        ...entry('a', '    org: o', '    url: https://b.example.com/', '    content_type: xml', '    insecure_ssl: "0"', '    active: yes'),
        'prune: [x]'
      )
    )
    expect(problems).toEqual([
      expect.stringMatching(/^\.github\/webhooks\.yml:4: hooks\[0\]\.url: /),
      expect.stringMatching(/^\.github\/webhooks\.yml:5: hooks\[0\]\.evnts: /),
      expect.stringMatching(/^\.github\/webhooks\.yml:6: hooks\[1\]\.name: 'a' is also the name of hooks\[0\] \(line 2\)/),
      `${FILE}:9: hooks[1].content_type: is 'xml'; it accepts 'json' or 'form'`,
      `${FILE}:10: hooks[1].insecure_ssl: is a string; it accepts true or false (default false: GitHub verifies the receiver’s TLS certificate)`,
      `${FILE}:11: hooks[1].active: is a string; it accepts true or false (default true)`,
      expect.stringMatching(/^\.github\/webhooks\.yml:12: prune\[0\]: /)
    ])
    for (const problem of problems) expect(problem).toMatch(/^\.github\/webhooks\.yml:\d+: [a-z_]+(\[\d+\])?(\.[a-z_]+(\[\d+\])?)*: .*; it accepts /)
  })

  test('no secret value appears in any problem', () => {
    const secrets = { A_SECRET: 'aaaa-secret-value-1111', B_SECRET: 'bbbb-secret-value-2222' }
    const problems = problemsOf(
      yaml(
        'hooks:',
        ...entry(
          'a',
          '    org: o',
          '    url: https://user:pa55word-1234@a.example.com/?token=tok3n-5678',
          '    secret_env: A_SECRET',
          '    secret: cccc-secret-value-3333',
          '    evnts: []'
        ),
        ...entry(
          'a',
          '    org: o',
          '    url: https://user:pa55word-1234@a.example.com/?token=tok3n-5678',
          '    secret_env: B_SECRET',
          '    events: [nope]'
        ),
        ...entry('c', '    org: o', '    url: ftp://user:pa55word-1234@x/', '    secret_env: "dddd-secret-value-4444"')
      ),
      secrets
    )
    expect(problems.length).toBeGreaterThanOrEqual(6)
    for (const problem of problems) {
      for (const value of [...Object.values(secrets), 'cccc-secret', 'dddd-secret', 'pa55word', 'tok3n']) expect(problem).not.toContain(value)
    }
  })

  test('a file read from disk, and one that cannot be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'webhooks-file-'))
    dirs.push(dir)
    const path = join(dir, 'webhooks.yml')
    writeFileSync(path, yaml('hooks:', ...entry('a', '    org: o', '    url: https://a.example.com/')))
    expect(readWebhooksFile(path, {}).hooks.map((hook) => hook.name)).toEqual(['a'])
    expect(readWebhooksFile(path, {}, yaml('hooks:', ...entry('b', '    org: o', '    url: https://a.example.com/'))).path).toBe(path)
    expect(() => readWebhooksFile(join(dir, 'missing.yml'), {})).toThrow(
      `${join(dir, 'missing.yml')}:1: cannot be read (no such file); it accepts the path of a YAML webhooks file in the workspace (input 'file', default .github/webhooks.yml)`
    )
  })
})

describe('readWebhooksFile: entries', () => {
  test('the defaults', () => {
    const file = readWebhooksFile(
      FILE,
      {},
      yaml(
        'hooks:',
        ...entry('a', '    url: https://a.example.com/', '    repositories: [octo-org/svc-*, "!octo-org/svc-legacy"]'),
        ...entry('b', '    org: octo-org', '    url: https://b.example.com/')
      )
    )
    expect(file).toEqual({
      path: FILE,
      prune: [],
      hooks: [
        {
          name: 'a',
          line: 2,
          url: 'https://a.example.com/',
          events: ['push'],
          content_type: 'json',
          insecure_ssl: '0',
          active: true,
          previous_urls: [],
          repositories: {
            patterns: [
              { text: 'octo-org/svc-*', owner: 'octo-org', name: 'svc-*', glob: true, exclude: false },
              { text: '!octo-org/svc-legacy', owner: 'octo-org', name: 'svc-legacy', glob: false, exclude: true }
            ],
            include_archived: false,
            include_forks: true,
            topics: []
          }
        },
        {
          name: 'b',
          line: 5,
          url: 'https://b.example.com/',
          events: ['push'],
          content_type: 'json',
          insecure_ssl: '0',
          active: true,
          previous_urls: [],
          org: 'octo-org'
        }
      ]
    })
    expect(file.hooks[0]).not.toHaveProperty('secret_env')
    expect(file.hooks[0]).not.toHaveProperty('org')
    expect(file.hooks[1]).not.toHaveProperty('repositories')
  })

  test('every key set', () => {
    const file = readWebhooksFile(
      FILE,
      { DEPLOY_WEBHOOK_SECRET: 'deploy-secret-0001' },
      yaml(
        'hooks:',
        '  - name: deploy',
        '    url: https://deploy.example.com/github',
        '    events: [push, pull_request]',
        '    content_type: form',
        '    insecure_ssl: true',
        '    active: false',
        '    secret_env: DEPLOY_WEBHOOK_SECRET',
        '    repositories: [octo-org/svc-*, "!octo-org/svc-legacy"]',
        '    include_archived: true',
        '    include_forks: false',
        '    topics: [Service, service, api]',
        '    repository_property: team = platform',
        '    previous_urls: [https://old-deploy.example.com/github, https://old-deploy.example.com/github]',
        'prune:',
        '  - https://*.example.com/**'
      )
    )
    expect(file.prune).toEqual(['https://*.example.com/**'])
    expect(file.hooks).toEqual([
      {
        name: 'deploy',
        line: 2,
        url: 'https://deploy.example.com/github',
        events: ['push', 'pull_request'],
        content_type: 'form',
        insecure_ssl: '1',
        active: false,
        secret_env: 'DEPLOY_WEBHOOK_SECRET',
        secret: 'deploy-secret-0001',
        repositories: {
          patterns: [
            { text: 'octo-org/svc-*', owner: 'octo-org', name: 'svc-*', glob: true, exclude: false },
            { text: '!octo-org/svc-legacy', owner: 'octo-org', name: 'svc-legacy', glob: false, exclude: true }
          ],
          include_archived: true,
          include_forks: false,
          topics: ['service', 'api'],
          property: { name: 'team', value: 'platform' }
        },
        previous_urls: ['https://old-deploy.example.com/github']
      }
    ])
  })

  test('the secret comes from the environment, trimmed, and is masked with its untrimmed form', () => {
    const env = { AUDIT_WEBHOOK_SECRET: '  audit-secret-value-42\n' }
    const file = readWebhooksFile(
      FILE,
      env,
      yaml(
        'hooks:',
        ...entry(
          'audit',
          '    org: octo-org',
          '    url: https://user:hook-password-99@audit.example.com/hook',
          '    events: ["*"]',
          '    secret_env: AUDIT_WEBHOOK_SECRET'
        )
      )
    )
    expect(file.hooks[0].secret).toBe('audit-secret-value-42')
    expect(redact('x audit-secret-value-42 y hook-password-99')).toContain('audit-secret-value-42')
    maskWebhooksFileSecrets(file, env)
    expect(redact('x audit-secret-value-42 y')).toBe('x *** y')
    expect(redact(`x ${env.AUDIT_WEBHOOK_SECRET} y`)).toBe('x *** y')
    expect(redact('password hook-password-99')).toBe('password ***')
  })
})

describe('webhooks.schema.json', () => {
  test('compiles in Ajv strict mode and is a valid draft-07 schema', () => {
    const ajv = new Ajv({ strict: true, validateFormats: false })
    expect(ajv.validateSchema(schema)).toBe(true)
    expect(() => ajv.compile(schema)).not.toThrow()
  })

  test('every property has a description', () => {
    const missing: string[] = []
    const visit = (node: Record<string, unknown>, path: string): void => {
      if (typeof node.description !== 'string' || node.description === '') missing.push(path)
      for (const [key, child] of Object.entries((node.properties as Record<string, Record<string, unknown>>) ?? {})) visit(child, `${path}.${key}`)
      if (typeof node.items === 'object' && node.items !== null) visit(node.items as Record<string, unknown>, `${path}[]`)
    }
    visit(schema, '$')
    expect(missing).toEqual([])
  })

  test('the documented example is valid', () => {
    const example = yaml(
      'hooks:',
      '  - name: deploy',
      '    url: https://deploy.example.com/github',
      '    events: [push, pull_request]',
      '    content_type: json',
      '    insecure_ssl: false',
      '    active: true',
      '    secret_env: DEPLOY_WEBHOOK_SECRET',
      '    repositories: [octo-org/svc-*, "!octo-org/svc-legacy"]',
      '    topics: [service]',
      '    previous_urls: [https://old-deploy.example.com/github]',
      '  - name: audit',
      '    org: octo-org',
      '    url: https://audit.example.com/hook',
      '    events: ["*"]',
      '    secret_env: AUDIT_WEBHOOK_SECRET',
      'prune:',
      '  - https://*.example.com/**'
    )
    const validate = new Ajv({ strict: true, validateFormats: false }).compile(schema)
    expect(validate(parseDocument(example).toJS())).toBe(true)
    expect(
      readWebhooksFile(FILE, { DEPLOY_WEBHOOK_SECRET: 'd-secret-1', AUDIT_WEBHOOK_SECRET: 'a-secret-2' }, example).hooks.map((hook) => hook.name)
    ).toEqual(['deploy', 'audit'])
  })
})

describe('renderWebhooksFile', () => {
  const entries: ExportEntry[] = [
    {
      name: 'deploy',
      url: 'https://deploy.example.com/github?a=1,2&b=#x',
      events: ['push', 'pull_request'],
      content_type: 'json',
      insecure_ssl: '0',
      active: true,
      repositories: ['octo-org/svc-a', 'octo-org/.github', 'octo-org/true'],
      secret_set: true,
      secret_env: 'DEPLOY_SECRET'
    },
    {
      name: 'audit: "all"',
      org: 'octo-org',
      url: 'https://audit.example.com/hook',
      events: ['*'],
      content_type: 'form',
      insecure_ssl: '1',
      active: false,
      secret_set: true,
      secret_env: 'AUDIT_SECRET'
    },
    {
      name: 'true',
      url: 'http://ci.example.org/hook',
      events: ['issues', 'issue_comment'],
      content_type: 'json',
      insecure_ssl: '0',
      active: true,
      repositories: ['octo-org/api'],
      secret_set: false,
      secret_env: 'CI_SECRET'
    }
  ]
  const env = { DEPLOY_SECRET: 'deploy-secret-1', AUDIT_SECRET: 'audit-secret-2' }

  /** An entry read back, in the shape it was exported in. */
  const exported = (hook: WebhookEntry, secret_env: string): ExportEntry => ({
    name: hook.name,
    url: hook.url,
    events: hook.events,
    content_type: hook.content_type,
    insecure_ssl: hook.insecure_ssl,
    active: hook.active,
    ...(hook.org !== undefined ? { org: hook.org } : {}),
    ...(hook.repositories !== undefined ? { repositories: hook.repositories.patterns.map((pattern) => pattern.text) } : {}),
    secret_set: hook.secret !== undefined,
    secret_env: hook.secret_env ?? secret_env
  })

  test('reads back into the same entries', () => {
    const text = renderWebhooksFile(entries, ['https://*.example.com/**', 'http://ci.example.org/*'])
    const file = readWebhooksFile(FILE, env, text)
    expect(file.hooks.map((hook, at) => exported(hook, entries[at].secret_env))).toEqual(entries)
    expect(file.hooks.map((hook) => hook.secret)).toEqual(['deploy-secret-1', 'audit-secret-2', undefined])
    // A hook with no secret keeps none: its secret_env line is commented out, naming the variable.
    expect(file.hooks[2]).not.toHaveProperty('secret_env')
    expect(file.prune).toEqual(['https://*.example.com/**', 'http://ci.example.org/*'])
    // The hook lines of an entry point to its line in the text.
    expect(text.split('\n')[file.hooks[1].line - 1]).toBe('  - name: \'audit: "all"\'')
  })

  test('the schema line, the header, and a comment on each secret_env line', () => {
    const text = renderWebhooksFile(entries)
    const lines = text.split('\n')
    expect(lines[0]).toBe('# yaml-language-server: $schema=./webhooks.schema.json')
    expect(renderWebhooksFile(entries, [], 'https://example.com/s.json').split('\n')[0]).toBe(
      '# yaml-language-server: $schema=https://example.com/s.json'
    )
    expect(lines.filter((line) => line.includes('secret_env'))).toEqual(
      expect.arrayContaining([
        "    secret_env: DEPLOY_SECRET  # GitHub has a secret set for these hooks: store it in DEPLOY_SECRET, in the step's env: from a secret",
        "    secret_env: AUDIT_SECRET  # GitHub has a secret set for these hooks: store it in AUDIT_SECRET, in the step's env: from a secret",
        '    # secret_env: CI_SECRET  # no secret is set on these hooks; to give them one, uncomment this line and set CI_SECRET'
      ])
    )
    expect(text).not.toContain('prune')
    expect(text).toContain(
      [
        'hooks:',
        '  - name: deploy',
        '    url: https://deploy.example.com/github?a=1,2&b=#x',
        '    events: [push, pull_request]',
        '    content_type: json',
        '    insecure_ssl: false',
        '    active: true'
      ].join('\n')
    )
    // The secrets' variables unset: reading it back names them.
    expect(problemsOf(text)).toEqual([
      expect.stringMatching(/:\d+: hooks\[0\]\.secret_env: entry 'deploy' .*, which is not set/),
      expect.stringMatching(/:\d+: hooks\[1\]\.secret_env: entry .*, which is not set/)
    ])
  })
})

describe('workspacePath and secrets_optional', () => {
  test('the file as GitHub maps annotations: relative to GITHUB_WORKSPACE when inside it, else as given', () => {
    expect(workspacePath('/home/runner/work/r/r/.github/webhooks.yml', '/home/runner/work/r/r')).toBe('.github/webhooks.yml')
    expect(workspacePath('.github/webhooks.yml', '/home/runner/work/r/r')).toBe('.github/webhooks.yml')
    expect(workspacePath('/elsewhere/webhooks.yml', '/home/runner/work/r/r')).toBe('/elsewhere/webhooks.yml')
    expect(workspacePath('config/hooks.yml', undefined)).toBe('config/hooks.yml')
  })

  test('an unset secret_env variable is no problem with secrets_optional (plan): the secret is undefined; an empty one still is', () => {
    const text = yaml('hooks:', '  - name: deploy', '    url: https://deploy.example.com/h', '    secret_env: DEPLOY_SECRET', '    org: octo-org')
    const file = readWebhooksFile(FILE, {}, text, { secrets_optional: true })
    expect(file.hooks[0]).toMatchObject({ secret_env: 'DEPLOY_SECRET', secret: undefined })
    expect(problemsOf(text, {})).toEqual([
      expect.stringMatching(
        /^\.github\/webhooks\.yml:4: hooks\[0\]\.secret_env: entry 'deploy' reads its secret from the environment variable that its secret_env names .*which is not set/
      )
    ])
    expect(problemsOf(text, { DEPLOY_SECRET: ' ' }, { secrets_optional: true })).toEqual([expect.stringMatching(/secret_env names .*which is empty/)])
  })

  test('each problem has the column of its key on its line', () => {
    try {
      readWebhooksFile(
        FILE,
        {},
        yaml('hooks:', '  - name: deploy', '    url: https://deploy.example.com/h', '    evnts: [push]', '    org: octo-org')
      )
      throw new Error('no error')
    } catch (error) {
      expect((error as WebhooksFileError).details.map(({ line, column }) => [line, column])).toEqual([[4, 5]])
    }
  })
})
