import { afterAll, describe, expect, test } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { WebhookRequest } from '../src/model.js'
import type { OperationResult } from '../src/jobs/index.js'
import { code, writeSummary } from '../src/report/index.js'
import { operationModule } from '../src/operations.js'
import {
  mask,
  maskUrlCredentials,
  redact,
  REDACTED,
  redactUrls,
  SHORT_VALUE_LENGTH,
  urlCredentialParts,
  urlCredentials
} from '../src/github/redact.js'

/** A password holding every HTML-special character. */
const PASSWORD = `Pa&ss'w"<>0rd`
/** The same, percent-encoded as a URL (and GitHub) may store it. */
const PASSWORD_ENCODED = 'Pa%26ss%27w%22%3C%3E0rd'

/**
 * One URL per shape the README names: the URL, its credential parts as written ([kind, value]),
 * and words of it that must survive redaction.
 */
const SHAPES: [name: string, url: string, parts: [string, string][], kept: string[]][] = [
  [
    'Slack',
    'https://hooks.slack.com/services/T0ABCDEF1/B0GHIJKL2/xoxbSlackT0kenAbCdEf1234',
    [['service', 'xoxbSlackT0kenAbCdEf1234']],
    ['hooks.slack.com/services/T0ABCDEF1/B0GHIJKL2/']
  ],
  ['Slack, short token (known service)', 'https://hooks.slack.com/services/T0/B0/sh0rt', [['service', 'sh0rt']], ['/services/T0/B0/']],
  [
    'Discord',
    'https://discord.com/api/webhooks/123456789012345678/Dx-9_discordT0kenAbCdEfGhIjKlMnOpQrStUvWxYz/github',
    [['service', 'Dx-9_discordT0kenAbCdEfGhIjKlMnOpQrStUvWxYz']],
    ['/api/webhooks/123456789012345678/', '/github']
  ],
  ['Discord (discordapp, short token)', 'https://discordapp.com/api/webhooks/42/tok', [['service', 'tok']], ['/api/webhooks/42/']],
  [
    'Azure Functions ?code=',
    'https://fn-app.azurewebsites.net/api/HttpTrigger1?code=AzFuncK3y%3D%3D&clientId=default',
    [
      ['query', 'AzFuncK3y%3D%3D'],
      ['query', 'default']
    ],
    ['/api/HttpTrigger1?code=', '&clientId=']
  ],
  [
    'signed cloud URL X-Amz-Signature',
    'https://bucket.s3.amazonaws.com/obj.json?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=900&X-Amz-Signature=0badc0ffee1234567890',
    [
      ['query', 'AWS4-HMAC-SHA256'],
      ['query', '900'],
      ['query', '0badc0ffee1234567890']
    ],
    ['bucket.s3.amazonaws.com/obj.json?X-Amz-Algorithm=', '&X-Amz-Signature=']
  ],
  [
    'signed cloud URL sig',
    'https://acct.blob.core.windows.net/hooks/in?sv=2022-11-02&sr=b&sig=SaS%2Bsig%3D123abc',
    [
      ['query', '2022-11-02'],
      ['query', 'b'],
      ['query', 'SaS%2Bsig%3D123abc']
    ],
    ['/hooks/in?sv=']
  ],
  [
    'signature=',
    'https://receiver.example.com/hook?signature=5ignatureValue99',
    [['query', '5ignatureValue99']],
    ['receiver.example.com/hook?signature=']
  ],
  [
    'Teams / Power Automate sig=',
    'https://prod-12.westeurope.logic.azure.com:443/workflows/0123456789abcdef0123456789abcdef/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=PaSig-AbC_dEf123456',
    [
      ['path', '0123456789abcdef0123456789abcdef'],
      ['query', '2016-06-01'],
      ['query', '%2Ftriggers%2Fmanual%2Frun'],
      ['query', '1.0'],
      ['query', 'PaSig-AbC_dEf123456']
    ],
    ['prod-12.westeurope.logic.azure.com:443/workflows/', '/triggers/manual/paths/invoke?api-version=', '&sig=']
  ],
  [
    'Teams incoming webhook',
    'https://contoso.webhook.office.com/webhookb2/1b2c3d4e-0000-1111-2222-333333333333@9f8e7d6c-4444-5555-6666-777777777777/IncomingWebhook/0a1b2c3d4e5f60718293a4b5c6d7e8f9/5e6f7a8b-9999-aaaa-bbbb-cccccccccccc',
    [
      ['path', '0a1b2c3d4e5f60718293a4b5c6d7e8f9'],
      ['path', '5e6f7a8b-9999-aaaa-bbbb-cccccccccccc']
    ],
    ['/IncomingWebhook/']
  ],
  [
    'Jenkins generic webhook ?token=',
    'https://jenkins.example.com/generic-webhook-trigger/invoke?token=j3nkinsT',
    [['query', 'j3nkinsT']],
    ['jenkins.example.com/generic-webhook-trigger/invoke?token=']
  ],
  ['Jenkins build ?token= (short)', 'https://jenkins.example.com/job/deploy/build?token=abc', [['query', 'abc']], ['/job/deploy/build?token=']],
  [
    'generic ?key=',
    'https://receiver.example.com/hook?key=K3y-value-42&env=prod',
    [
      ['query', 'K3y-value-42'],
      ['query', 'prod']
    ],
    ['?key=', '&env=']
  ],
  [
    'Google Chat ?key=&token=',
    'https://chat.googleapis.com/v1/spaces/AAAA1234/messages?key=AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI&token=gCh4tT0ken%3D',
    [
      ['query', 'AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI'],
      ['query', 'gCh4tT0ken%3D']
    ],
    ['/v1/spaces/AAAA1234/messages?key=']
  ],
  [
    'user:password with & \' " < >',
    `https://deploybot:${PASSWORD}@hooks.example.com/github`,
    [
      ['username', 'deploybot'],
      ['password', PASSWORD]
    ],
    ['https://***:***@hooks.example.com/github']
  ],
  [
    'user:password percent-encoded',
    `https://deploybot:${PASSWORD_ENCODED}@hooks.example.com/github`,
    [
      ['username', 'deploybot'],
      ['password', PASSWORD_ENCODED]
    ],
    ['https://***:***@hooks.example.com/github']
  ],
  ['token as user name', 'https://ghp_tokenAsUser123@hooks.example.com/', [['username', 'ghp_tokenAsUser123']], ['https://***@hooks.example.com/']],
  [
    'token as user name, dummy password',
    'https://ghp_t0kenAsUser@github.example.com/o/r.git',
    [['username', 'ghp_t0kenAsUser']],
    ['@github.example.com/o/r.git']
  ],
  [
    'UUID path segment',
    'https://hooks.example.com/in/5f0c6d3e-8a4b-4c2d-9e1f-0a2b3c4d5e6f',
    [['path', '5f0c6d3e-8a4b-4c2d-9e1f-0a2b3c4d5e6f']],
    ['hooks.example.com/in/']
  ],
  [
    'fragment pairs',
    'https://app.example.com/cb#access_token=fr4gT0ken&state=x',
    [
      ['fragment', 'fr4gT0ken'],
      ['fragment', 'x']
    ],
    ['#access_token=']
  ]
]

/** Every form a credential may take: as written, percent-decoded, `+` as space. */
function formsOf(value: string): string[] {
  const decode = (text: string): string => {
    try {
      return decodeURIComponent(text)
    } catch {
      return text
    }
  }
  return [...new Set([value, decode(value), decode(value.replace(/\+/g, ' '))])]
}

describe('urlCredentialParts: the rule', () => {
  test.each(SHAPES)('%s', (_name, url, parts) => {
    expect(urlCredentialParts(url).map(({ kind, value }) => [kind, value])).toEqual(parts)
    for (const { start, end, value } of urlCredentialParts(url)) expect(url.slice(start, end)).toBe(value)
  })

  test.each<[string, [string, string][]]>([
    [
      'https://user:pa55word@example.com/hook',
      [
        ['username', 'user'],
        ['password', 'pa55word']
      ]
    ],
    [
      'https://ghp_t0ken:x-oauth-basic@example.com/hook',
      [
        ['username', 'ghp_t0ken'],
        ['password', 'x-oauth-basic']
      ]
    ],
    ['https://user:@example.com/hook', [['username', 'user']]],
    [
      'https://example.com/hook?author=main&design=push',
      [
        ['query', 'main'],
        ['query', 'push']
      ]
    ], // every value, whatever the name
    ['https://example.com/hook?wsdl', []], // a parameter without "=" only when it looks generated
    ['https://example.com/hook?0a1b2c3d4e5f6a7b8c9d', [['query', '0a1b2c3d4e5f6a7b8c9d']]],
    ['https://example.com/docs#section-2', []], // a fragment without name=value pairs is no credential
    [
      'ftp://user:hunter22@example.com/',
      [
        ['username', 'user'],
        ['password', 'hunter22']
      ]
    ],
    ['not a url', []]
  ])('%s', (url, parts) => {
    expect(urlCredentialParts(url).map(({ kind, value }) => [kind, value])).toEqual(parts)
  })

  test.each([
    'https://jenkins.example.com/generic-webhook-trigger/invoke',
    'https://jenkins.example.com/github-webhook/',
    'https://smee.io/services/hooks',
    'https://hooks.example.com/services/github-events-receiver', // long, but no digit
    'https://hooks.example.com/v2/project-2024/receive', // a digit, but shorter than 16
    'https://hooks.example.com/in/segment:with:colons0123456789' // a character generated secrets do not hold
  ])('no credential in %s', (url) => {
    expect(urlCredentialParts(url)).toEqual([])
    expect(redact(`POST ${url} done`)).toBe(`POST ${url} done`)
  })

  test('GitHub URLs keep repository names, SHAs and page numbers (only userinfo counts)', () => {
    const urls = [
      'https://api.github.com/repos/octo-org/deploy-pipeline-v2024/hooks?per_page=100&page=2',
      'https://github.com/octo-org/hello-world/commit/6dcb09b5b57875f334f61aebed695e2e4193db5e',
      'https://avatars.githubusercontent.com/u/583231?v=4'
    ]
    for (const url of urls) expect(urlCredentialParts(url)).toEqual([])
    expect(urlCredentialParts('https://x-access-token:ghs_abcdefgh@github.com/o/r.git').map((part) => part.value)).toEqual([
      'x-access-token',
      'ghs_abcdefgh'
    ])
  })
})

describe('urlCredentials: the values masked in the log', () => {
  test.each<[string, string[]]>([
    ['https://user:pa55word@example.com/hook', ['pa55word']],
    ['https://example.com/hook?token=t0k3n&env=prod', []], // shorter than 8: redacted by position only
    ['https://example.com/hook?api-key=k3y%2Bv4lue%2B', ['k3y%2Bv4lue%2B', 'k3y+v4lue+']],
    ['https://example.com/hook?sig=a+b+c+d+e', ['a+b+c+d+e', 'a b c d e']],
    [`https://deploybot:${PASSWORD}@hooks.example.com/`, ['deploybot', PASSWORD, "Pa&ss'w%22%3C%3E0rd"]], // as written and WHATWG-normalized
    [`https://deploybot:${PASSWORD_ENCODED}@hooks.example.com/`, ['deploybot', PASSWORD_ENCODED, PASSWORD]],
    ['https://api:x@api.github.com/hook', []],
    ['https://example.com/hook?token=%zz-bad-value', ['%zz-bad-value']],
    // ordinary values of 8+ characters are redacted in place only: masked by value, they would hide
    // the words and dates everywhere (credential names and generated-looking values still are)
    ['https://ci.example.com/hook?env=production&api-version=2016-06-01&source=github-webhooks', []],
    ['https://ci.example.com/hook?env=production&X-Amz-Signature=0badc0ffee12&state=a1b2c3d4e5f6a7b8c9', ['0badc0ffee12', 'a1b2c3d4e5f6a7b8c9']],
    ['not a url', []]
  ])('%s', (url, credentials) => {
    expect(urlCredentials(url)).toEqual(credentials)
  })

  test('ordinary query values stay readable elsewhere in the log, and are still redacted inside the URL', () => {
    const url = 'https://ci.example.com/hook?env=production&api-version=2016-06-01'
    maskUrlCredentials({ hook: { config: { url } } })
    expect(redact('deployed to production on 2016-06-01T10:00:00Z')).toBe('deployed to production on 2016-06-01T10:00:00Z')
    expect(redact(`hook ${url} ok`)).toBe('hook https://ci.example.com/hook?env=***&api-version=*** ok')
  })

  test(`every value is at least ${SHORT_VALUE_LENGTH} characters`, () => {
    for (const [, url] of SHAPES) for (const value of urlCredentials(url)) expect(value.length).toBeGreaterThanOrEqual(SHORT_VALUE_LENGTH)
  })
})

describe('redact', () => {
  test.each(SHAPES)('%s: gone from messages, JSON outputs and summary cells, the rest kept', (_name, url, parts, kept) => {
    const message = `Webhook 7 of octo-org/hello-world has the url '${url}', not 'https://example.com/other'.`
    const json = JSON.stringify({ id: 7, config: { url, content_type: 'json' }, changes: [{ field: 'url', from: null, to: url }] })
    const cell = code(url)
    for (const text of [redact(message), redact(json), cell, redact(cell)]) {
      for (const [, value] of parts) {
        for (const form of formsOf(value)) {
          if (form.length < 2) continue // a one-letter value is also a letter of the rest of the text
          expect(text).not.toContain(form)
          expect(text).not.toContain(form.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`))
        }
      }
      expect(text).toContain(REDACTED)
    }
    const plain = redact(message)
    for (const word of kept) expect(plain).toContain(word)
    expect(plain).toContain("', not 'https://example.com/other'.") // the URL ends where it should
    expect(JSON.parse(redact(json))).toMatchObject({ id: 7, config: { content_type: 'json' } }) // still valid JSON
  })

  test.each(SHAPES)('%s: idempotent', (_name, url) => {
    const once = redact(`a ${url} b`)
    expect(redact(once)).toBe(once)
  })

  test('positional: a short query value is replaced where it stands, nowhere else', () => {
    expect(redactUrls('hook 1 of https://h.example.com/x?v=1&w=1 got 1 delivery')).toBe(
      'hook 1 of https://h.example.com/x?v=***&w=*** got 1 delivery'
    )
    expect(redactUrls('(see https://h.example.com/x?token=abc).')).toBe('(see https://h.example.com/x?token=***).')
  })

  test('URLs inside JSON strings end at the closing quote; JSON escapes stay inside', () => {
    const json = JSON.stringify({ url: 'https://u:p"w@h.example.com/x?a=b"c', email: 'a@b.example', n: 'https://h.example.com' })
    expect(JSON.parse(redactUrls(json))).toEqual({ url: 'https://***:***@h.example.com/x?a=***', email: 'a@b.example', n: 'https://h.example.com' })
  })

  test('a short token `t` is replaced only where it stands alone', () => {
    mask('t')
    expect(redact('list the hooks; token: t, "t" (t)')).toBe(`list the hooks; token: ${REDACTED}, "${REDACTED}" (${REDACTED})`)
    expect(redact('push, pull_request, status, delete')).toBe('push, pull_request, status, delete')
  })

  test('a long masked value is replaced everywhere, longest first, in plain, JSON, HTML and percent-encoded forms', () => {
    mask('redact-me-please')
    mask('redact-me')
    expect(redact('a redact-me-please b redact-me c xredact-mex')).toBe(`a ${REDACTED} b ${REDACTED} c x${REDACTED}x`)
    mask('s3cr"et&<v>a\'l\\ue')
    const secret = 's3cr"et&<v>a\'l\\ue'
    for (const form of [
      secret,
      JSON.stringify(secret),
      encodeURIComponent(secret),
      secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
    ]) {
      expect(redact(`[${form}]`)).not.toMatch(/s3cr|l\\?\\?ue/)
    }
  })

  test('ordinary words, paths and host names are not redacted', () => {
    const text =
      'Created webhook 12 of octo-org/hello-world for push, pull_request at https://hooks.example.com/generic-webhook-trigger/invoke (content_type json, insecure_ssl 0).'
    expect(redact(text)).toBe(text)
  })
})

describe('the job summary', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redact-summary-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  test.each([PASSWORD, PASSWORD_ENCODED, 'Pa&amp;ss%26w0', `a'b"c`])(
    'a summary cell of a URL with the password %s shows *** and no part of it',
    (password) => {
      const url = `https://deploybot:${password}@hooks.example.com/github?token=q%26t'k`
      const cell = code(url) // not masked: positional redaction alone
      expect(cell).toBe(`<code>https://${REDACTED}:${REDACTED}@hooks.example.com/github?token=${REDACTED}</code>`)
      for (const leak of ['&#38;', '&amp;', '%26', '&#39;', '&#34;', '&#60;', 'Pa', 'ss', 'w0', "a'b", 'q%26', 'deploybot'])
        expect(cell).not.toContain(leak)
    }
  )

  test('writeSummary: hooks, config and the ensure diff show *** for URL credentials', async () => {
    const file = join(dir, 'summary.md')
    writeFileSync(file, '')
    const saved = process.env.GITHUB_STEP_SUMMARY
    process.env.GITHUB_STEP_SUMMARY = file
    try {
      const url = `https://deploybot:${PASSWORD}@hooks.example.com/in/5f0c6d3e-8a4b-4c2d-9e1f-0a2b3c4d5e6f?sig=s1g&token=${PASSWORD_ENCODED}`
      maskUrlCredentials(url)
      const hook = {
        id: 7,
        name: 'web',
        active: true,
        events: ['push'],
        config: { url, content_type: 'json', insecure_ssl: '0', secret: '********' }
      }
      const target = { scope: 'repo', owner: 'octo-org', repo: 'hello-world' } as const
      const request = { operation: 'ensure', targets: { kind: 'one', target } } as unknown as WebhookRequest
      const result = {
        message: `Created webhook 7 with the url ${url}.`,
        hook_id: 7,
        hook,
        config: hook.config,
        ensure: { outcome: 'created', changes: [{ field: 'url', from: null, to: url }], secret_proof: 'written' }
      } as unknown as OperationResult
      await writeSummary(request, target, result, operationModule(request.operation))
      const summary = readFileSync(file, 'utf8')
      expect(summary).toContain(`https://${REDACTED}:${REDACTED}@hooks.example.com/in/${REDACTED}?sig=${REDACTED}&#38;token=${REDACTED}`)
      for (const leak of ['Pa', '0rd', '&#38;ss', '&amp;ss', '%26ss', '5f0c6d3e', 's1g']) expect(summary).not.toContain(leak)
    } finally {
      if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY
      else process.env.GITHUB_STEP_SUMMARY = saved
    }
  })
})
