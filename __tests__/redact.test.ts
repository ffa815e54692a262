import { describe, expect, test } from '@jest/globals'
import { mask, redact, REDACTED, urlCredentials } from '../src/redact.js'

describe('urlCredentials', () => {
  test.each<[string, string[]]>([
    ['https://user:pa55word@example.com/hook', ['pa55word']],
    ['https://a-token-as-username@example.com/hook', ['a-token-as-username']],
    ['https://example.com/hook?token=t0k3n&env=prod', ['t0k3n']],
    ['https://example.com/hook?access_token=abc123&api-key=k3y%2Bv', ['abc123', 'k3y%2Bv', 'k3y+v']],
    ['https://example.com/hook?sig=a+b', ['a+b', 'a b']],
    ['https://example.com/hook?author=main&design=push&keyword=json&passive=yes', []],
    ['https://api:x@api.github.com/hook', []], // too short to mask without garbling the log
    ['ftp://user:hunter22@example.com/', ['hunter22']],
    ['https://example.com/hook?token=%zz-bad', ['%zz-bad']],
    ['not a url', []]
  ])('%s', (url, credentials) => {
    expect(urlCredentials(url)).toEqual(credentials)
  })
})

test('redact replaces every masked value, longest first', () => {
  mask('redact-me-please')
  mask('redact-me')
  expect(redact('a redact-me-please b redact-me c')).toBe(`a ${REDACTED} b ${REDACTED} c`)
  expect(redact('push, pull_request')).toBe('push, pull_request')
})
