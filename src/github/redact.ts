/**
 * Keeps secrets out of everything the step shows: the log (messages and `RUNNER_DEBUG` lines), the
 * step outputs and the job summary. Two mechanisms work together in {@link redact}:
 *
 * 1. By value: the `secret` and `token` inputs, and the URL credentials of 8+ characters, are
 *    masked ({@link mask}): the runner hides them in the log (`core.setSecret`, i.e. the workflow
 *    command `::add-mask::`, GitHub docs "Workflow commands for GitHub Actions" → "Masking a value
 *    in a log"), and {@link redact} replaces them in everything else, in their plain, JSON-escaped,
 *    HTML-escaped and percent-encoded forms. A masked value shorter than 8 characters is replaced
 *    only where it stands alone (no letter or digit on either side), so a token `t` never turns
 *    "list" into "lis***".
 * 2. By position: in every http(s) URL found in a text, the credential parts (see
 *    {@link urlCredentialParts} for the one rule) are replaced by `***` where they stand, whatever
 *    their length: `?v=1` becomes `?v=***` without touching any other `1`.
 *
 * URL credentials shorter than 8 characters are not given to the runner's mask: `::add-mask::` hides
 * a value everywhere in the log, and masking `1` or `prod` would garble every line; (2) covers them
 * inside URLs. GitHub's masking is a safety net, not a guarantee (GitHub docs "Using secrets in GitHub
 * Actions"): it misses transformed forms such as a URL-encoded password, hence this module.
 */
import * as core from '@actions/core'
import { createHash } from 'node:crypto'

/** What replaces a secret in messages, outputs and the job summary. */
export const REDACTED = '***'

/**
 * Values shorter than this are "short": a short URL credential is neither masked in the log nor
 * replaced by value (only by position, inside URLs), and a short `secret` / `token` is replaced only
 * where it stands alone.
 */
export const SHORT_VALUE_LENGTH = 8

/** Which part of a URL holds a credential; see {@link urlCredentialParts}. */
export type UrlCredentialKind = 'password' | 'username' | 'query' | 'fragment' | 'path' | 'service'

/** One credential part of a URL, as written in the text it was found in. */
export interface UrlCredentialPart {
  kind: UrlCredentialKind
  /** The part as written (percent-encodings kept): `text.slice(start, end)`. */
  value: string
  /** For a query or fragment value: its parameter's name, as written. */
  name?: string
  /** Offset of the part in the text searched. */
  start: number
  /** Offset just past the part. */
  end: number
}

/** A URL's scheme, e.g. `https://`. */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//

/** {@link SCHEME} at a given offset (`lastIndex`). */
const SCHEME_AT = /[A-Za-z][A-Za-z0-9+.-]*:\/\//y

/** Where an http(s) URL starts in a text. */
const URL_IN_TEXT = /\bhttps?:\/\//gi

/** Characters of a generated path segment (unreserved, plus `=` and `+` of base64); `%XX` escapes count too. */
const GENERATED_SEGMENT = /^(?:[A-Za-z0-9_~.=+-]|%[0-9A-Fa-f]{2})+$/

/** Shortest path segment taken for a generated secret (as written). */
const GENERATED_SEGMENT_LENGTH = 16

/**
 * Services that carry a secret in a path segment of any shape (rule d of {@link urlCredentialParts}):
 * given the URL's host name and its path segments, the indexes of the secret segments.
 */
const KNOWN_SERVICES: { name: string; host: (hostname: string) => boolean; secrets: (segments: string[]) => number[] }[] = [
  // https://hooks.slack.com/services/T…/B…/<token> (also /workflows/…, /triggers/…): everything after the 3rd segment.
  { name: 'Slack', host: (h) => h === 'hooks.slack.com', secrets: (s) => s.map((_, i) => i).filter((i) => i >= 3) },
  // https://discord.com/api/webhooks/<id>/<token>[/github|/slack]; also discordapp.com, ptb./canary. subdomains, /api/v10/….
  {
    name: 'Discord',
    host: (h) => /(?:^|\.)discord(?:app)?\.com$/.test(h),
    secrets: (s) => {
      const at = s.indexOf('webhooks')
      return s[0] === 'api' && at > 0 ? [at + 2] : []
    }
  },
  // https://hooks.zapier.com/hooks/catch/<account>/<key>/
  { name: 'Zapier', host: (h) => h === 'hooks.zapier.com', secrets: (s) => (s[0] === 'hooks' && s[1] === 'catch' ? [3] : []) },
  // https://maker.ifttt.com/trigger/<event>/with/key/<key>
  {
    name: 'IFTTT',
    host: (h) => h === 'maker.ifttt.com',
    secrets: (s) => {
      const at = s.indexOf('key')
      return at >= 0 ? [at + 1] : []
    }
  }
]

/** The `api_url` of the request, set by {@link trustApiRoot}. */
let apiRoot: string | undefined

/**
 * Tells the redaction which API root the step talks to (the validated `api_url`), so that its URLs
 * (repository names, page numbers, cursors) are treated as GitHub's own: only their userinfo is a credential.
 */
export function trustApiRoot(api_url: string): void {
  apiRoot = api_url
}

/**
 * Whether a URL is GitHub's own (its host is github.com or a subdomain, a subdomain of
 * githubusercontent.com, ghe.com or a subdomain, or the host of `api_url` ({@link trustApiRoot}), `GITHUB_API_URL` or
 * `GITHUB_SERVER_URL`). Those carry repository names, commit SHAs and page numbers, never a
 * credential of the user's outside their userinfo; only rule (a) applies to them.
 */
function isGitHubHost(host: string): boolean {
  const hostname = host.replace(/:\d*$/, '')
  if (/(?:^|\.)github\.com$|\.githubusercontent\.com$|(?:^|\.)ghe\.com$/.test(hostname)) return true
  const roots = [apiRoot, process.env.GITHUB_API_URL, process.env.GITHUB_SERVER_URL]
  return roots.some((root) => root !== undefined && root !== '' && hostOf(root) === host)
}

/** The lower-cased `host[:port]` of a URL, or undefined. */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase()
  } catch {
    return undefined
  }
}

/**
 * Query or fragment parameter names whose values are masked by value too (see {@link urlCredentials}):
 * the whole name, or its last `_` / `-` / `.` part, is a credential word (`token`, `access_token`,
 * `api-key`, `X-Amz-Signature`, `sig`, `code`…), case-insensitively.
 */
const CREDENTIAL_NAME =
  /^(?:.*[_.-])?(?:token|secret|key|apikey|password|passwd|pwd|pass|sig|signature|auth|authorization|credential|credentials|session|sessionid|jwt|code|hash|hmac)$/i

/** Whether a path segment (as written) looks like a generated secret: rule (c) of {@link urlCredentialParts}. */
function looksGenerated(segment: string): boolean {
  if (segment.length < GENERATED_SEGMENT_LENGTH || !GENERATED_SEGMENT.test(segment)) return false
  const plain = percentDecoded(segment)
  return /[A-Za-z]/.test(plain) && /[0-9]/.test(plain)
}

/** `decodeURIComponent` that keeps a malformed escape (`%zz`) as written instead of throwing. */
function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** The first `char` in `text[from, to)`, or `to`. */
function find(text: string, char: string, from: number, to: number): number {
  const at = text.indexOf(char, from)
  return at >= 0 && at < to ? at : to
}

/** In a text, `\"` and `\\` are JSON escapes inside a URL; the length of the escape at `at`, or 0. */
function jsonEscape(text: string, at: number): number {
  return text[at] === '\\' && (text[at + 1] === '"' || text[at + 1] === '\\') ? 2 : 0
}

/**
 * Reads the URL whose scheme starts at `start` and returns where it ends and its credential parts.
 * With `whole`, the URL runs to the end of `text`; otherwise (a URL inside a message, JSON or HTML)
 * its userinfo ends at the last `@` before white space, a backtick or `/ ? #` (so a password may
 * hold `' " < > &`), and the URL ends at white space, `"`, `<`, `>` or a backtick (JSON escapes `\"`
 * `\\` excepted), trailing `' . , ; : ! ? ) ] }` left out.
 */
function scanUrl(text: string, start: number, whole: boolean): { end: number; parts: UrlCredentialPart[] } {
  const parts: UrlCredentialPart[] = []
  const add = (kind: UrlCredentialKind, from: number, to: number, name?: string): void => {
    if (to > from) parts.push({ kind, value: text.slice(from, to), start: from, end: to, ...(name === undefined ? {} : { name }) })
  }
  SCHEME_AT.lastIndex = start
  const authority = start + (SCHEME_AT.exec(text)?.[0].length ?? 0)

  // userinfo: up to the last `@` before the host's end. A password may hold `' " < > &`; in a text,
  // a `"` followed by `,` `:` `}` `]` or white space ends a JSON string, so it ends the URL too, and
  // an HTML entity (`&#39;`, `&amp;`) is one character.
  let lastAt = -1
  for (let k = authority; k < text.length; k++) {
    const c = text[k]
    if (!whole) {
      const entity = /^&(?:#\d+|#x[0-9a-f]+|[a-z]+);/i.exec(text.slice(k, k + 12))
      if (entity) {
        k += entity[0].length - 1
        continue
      }
      if (/[\s`]/.test(c)) break
      if (c === '\\') {
        if (jsonEscape(text, k) === 0) break
        k++
        continue
      }
      if (c === '"' && (k + 1 >= text.length || /[\s,:}\]]/.test(text[k + 1]))) break
    }
    if (c === '/' || c === '?' || c === '#') break
    if (c === '@') lastAt = k
  }
  const hostStart = lastAt >= 0 ? lastAt + 1 : authority

  // the URL's end
  let end = text.length
  if (!whole) {
    for (end = hostStart; end < text.length; end++) {
      if (/[\s"<>`]/.test(text[end])) break
      if (text[end] === '\\') {
        if (jsonEscape(text, end) === 0) break
        end++
      }
    }
    end = Math.min(end, text.length)
    while (end > hostStart && /['.,;:!?)\]}]/.test(text[end - 1])) end--
  }

  // (a) userinfo: the user name and the password
  if (lastAt >= 0) {
    const colon = find(text, ':', authority, lastAt)
    const hasPassword = colon < lastAt
    add('username', authority, colon)
    if (hasPassword) add('password', colon + 1, lastAt)
  }

  const firstOf = (chars: string, from: number): number => {
    for (let k = from; k < end; k++) if (chars.includes(text[k])) return k
    return end
  }
  const pathStart = firstOf('/?#', hostStart)
  const host = text.slice(hostStart, pathStart).toLowerCase()
  if (isGitHubHost(host)) return { end, parts }
  const queryStart = firstOf('?#', pathStart)
  const fragmentStart = firstOf('#', queryStart)

  // (c) generated-looking path segments, (d) known services' secret segments
  const segments: { from: number; to: number }[] = []
  for (let from = pathStart + 1; from <= queryStart && pathStart < queryStart;) {
    const to = find(text, '/', from, queryStart)
    segments.push({ from, to })
    from = to + 1
  }
  const texts = segments.map(({ from, to }) => text.slice(from, to))
  const hostname = host.replace(/:\d*$/, '')
  const service = new Set(KNOWN_SERVICES.filter((known) => known.host(hostname)).flatMap((known) => known.secrets(texts)))
  segments.forEach(({ from, to }, i) => {
    if (service.has(i)) add('service', from, to)
    else if (looksGenerated(texts[i])) add('path', from, to)
  })

  // (b) every query value; a parameter without `=` when it looks generated
  const pairs = (kind: 'query' | 'fragment', from: number, to: number): void => {
    for (let item = from; item <= to;) {
      const itemEnd = find(text, '&', item, to)
      const eq = find(text, '=', item, itemEnd)
      if (eq < itemEnd) add(kind, eq + 1, itemEnd, text.slice(item, eq))
      else if (kind === 'query' && looksGenerated(text.slice(item, itemEnd))) add(kind, item, itemEnd)
      item = itemEnd + 1
    }
  }
  if (queryStart < fragmentStart) pairs('query', queryStart + 1, fragmentStart)
  // (b) the fragment's values when it holds `name=value` pairs (`#access_token=…`)
  if (fragmentStart < end && text.slice(fragmentStart, end).includes('=')) pairs('fragment', fragmentStart + 1, end)
  return { end, parts }
}

/**
 * THE RULE: the credential parts of one URL (`url` is the whole URL, any `scheme://`; not a URL → none).
 *
 * (a) userinfo: the user name and the password (`https://<user>:<password>@host`, `https://<token>@host`,
 *     `https://<token>:x-oauth-basic@host`): either may be the secret.
 * (b) every query value, whatever the parameter's name (`?code=…`, `?sig=…`, `?X-Amz-Signature=…`,
 *     `?token=…`, `?key=…`, but also `?v=1`); a parameter without `=` when it looks generated (c); and
 *     the fragment's values when the fragment holds `name=value` pairs (`#access_token=…`).
 * (c) path segments that look generated: 16 or more characters, only letters, digits, `_ ~ . = + -`
 *     and `%XX` escapes, with at least one letter and one digit (UUIDs, Slack, Discord, Teams keys).
 * (d) known services, whatever the secret's shape: Slack `hooks.slack.com/<kind>/<team>/<id>/<token…>`
 *     (every segment after the third), Discord `discord.com` / `discordapp.com` `/api/webhooks/<id>/<token>`,
 *     Zapier `hooks.zapier.com/hooks/catch/<account>/<key>`, IFTTT `maker.ifttt.com/…/key/<key>`.
 *
 * GitHub's own URLs (see {@link isGitHubHost}: github.com, api_url…) carry only (a).
 * Never credentials: the scheme, host, port, parameter names, and other path segments
 * (`/generic-webhook-trigger/invoke`, `/services/`).
 *
 * @returns each part as written, with its offsets in `url`
 */
export function urlCredentialParts(url: string): UrlCredentialPart[] {
  return SCHEME.test(url) ? scanUrl(url, 0, true).parts : []
}

/** Every http(s) URL in a text (message, JSON, HTML): its offsets and credential parts. */
function urlsIn(text: string): { start: number; end: number; parts: UrlCredentialPart[] }[] {
  const oneUrl = /^https?:\/\/\S*$/i.test(text) // e.g. a summary cell or output that is a hook's URL: read whole
  return [...text.matchAll(URL_IN_TEXT)].map((match) => ({ start: match.index, ...scanUrl(text, match.index, oneUrl && match.index === 0) }))
}

/**
 * Replaces the credential parts ({@link urlCredentialParts}) of every http(s) URL in a text by
 * {@link REDACTED}, in place and whatever their length: `https://u:p@h/x?v=1` → `https://u:***@h/x?v=***`.
 * A text that is one URL (no white space) is read whole; a URL inside a longer text ends at white
 * space, `"`, `<`, `>` or a backtick (JSON escapes `\"` `\\` excepted), without trailing
 * `' . , ; : ! ? ) ] }`, but its password may hold any of these but white space.
 */
export function redactUrls(text: string): string {
  const spans = urlsIn(text)
    .flatMap((url) => url.parts)
    .sort((a, b) => a.start - b.start)
  let result = ''
  let done = 0
  for (const { start, end } of spans) {
    if (end <= done) continue // inside a part already replaced (a URL in a query value)
    result += text.slice(done, Math.max(start, done)) + (start >= done ? REDACTED : '')
    done = end
  }
  return result + text.slice(done)
}

/**
 * A URL for a plan row: its credential parts replaced by {@link REDACTED} as {@link redactUrls} does,
 * then `#` and 4 hex digits of a SHA-256 of those parts together (`?v=3` → `?v=***#3f2a`), so that
 * two URLs that differ only there are told apart, and the same values read the same from run to run,
 * without showing them (after a URL that has a fragment: ` (#3f2a)`). 4 hex digits say nothing useful
 * about a long random credential; a short, guessable value (`v=3`) could be found by trying
 * candidates, as the docs say. A URL without credential parts is returned as {@link redact} gives it.
 */
export function redactUrlHashed(url: string): string {
  const parts = urlCredentialParts(url)
  if (parts.length === 0) return redact(url)
  const hash = createHash('sha256')
    .update(`manage-webhooks:${JSON.stringify(parts.map((part) => [part.kind, part.value]))}`)
    .digest('hex')
    .slice(0, 4)
  return `${redact(url)}${url.includes('#') ? ` (#${hash})` : `#${hash}`}`
}

/**
 * The URL credentials to mask by value: each credential part ({@link urlCredentialParts}) of the
 * URL as written, of its WHATWG-normalized form (`new URL(url).href`, which percent-encodes e.g.
 * `"` `<` `>` in a password) and percent-decoded (in query and fragment also with `+` as space);
 * only those of at least {@link SHORT_VALUE_LENGTH} characters, and of query and fragment values only
 * those whose parameter is named like a credential ({@link CREDENTIAL_NAME}) or that look generated
 * (the others, like shorter values, are redacted by position only, see {@link redactUrls}).
 * Not a URL → none.
 */
export function urlCredentials(url: string): string[] {
  const found = new Set<string>()
  // Every query value is redacted where it stands (positionally), but only those named like a
  // credential or looking generated are masked by value: `?env=production` must not hide the word
  // "production" from every later log line.
  const byValue = ({ kind, name, value }: UrlCredentialPart): boolean =>
    !(kind === 'query' || kind === 'fragment') || name === undefined || CREDENTIAL_NAME.test(percentDecoded(name)) || looksGenerated(value)
  let normalized: string | undefined
  try {
    normalized = new URL(url).href
  } catch {
    normalized = undefined
  }
  for (const form of normalized === undefined || normalized === url ? [url] : [url, normalized]) {
    for (const part of urlCredentialParts(form).filter(byValue)) {
      const { kind, value } = part
      found.add(value).add(percentDecoded(value))
      if (kind === 'query' || kind === 'fragment') found.add(percentDecoded(value.replace(/\+/g, ' ')))
    }
  }
  return [...found].filter((value) => value.length >= SHORT_VALUE_LENGTH)
}

/** The values masked so far (see {@link mask}). */
const masked = new Set<string>()

/**
 * Masks a value: `core.setSecret` (the runner's `::add-mask::`) and remembered for {@link redact},
 * which replaces it wherever it occurs, or, when shorter than {@link SHORT_VALUE_LENGTH}, wherever it
 * stands alone. For the `secret` and `token` inputs (always) and URL credentials of 8+ characters
 * (from {@link urlCredentials}). Blank values are ignored.
 */
export function mask(value: string): void {
  if (value.trim() === '') return
  if (!masked.has(value)) pattern = undefined
  masked.add(value)
  core.setSecret(value)
}

/**
 * Masks ({@link mask}) the URL credentials ({@link urlCredentials}) of every http(s) URL in a text or
 * in the strings of a JSON-able value (e.g. hooks and deliveries from the API). A string that is one
 * URL (no white space) is read whole, so a password holding `"` `<` `>` is found too.
 */
export function maskUrlCredentials(value: unknown): void {
  const seen = new WeakSet<object>()
  const visit = (item: unknown): void => {
    if (typeof item === 'string') {
      for (const { start, end } of urlsIn(item)) urlCredentials(item.slice(start, end)).forEach(mask)
    } else if (typeof item === 'object' && item !== null && !seen.has(item)) {
      seen.add(item)
      Object.values(item).forEach(visit)
    }
  }
  visit(value)
}

/** The forms a masked value may take in a text: plain, JSON-escaped, HTML-escaped (numeric and named), percent-encoded. */
function forms(value: string): string[] {
  const named: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
  return [
    value,
    JSON.stringify(value).slice(1, -1),
    value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`),
    value.replace(/[&<>"']/g, (char) => named[char]),
    encodeURIComponent(value)
  ]
}

/** The one regular expression of all masked values' forms, longest first; rebuilt after a {@link mask}. */
let pattern: RegExp | undefined

function maskedPattern(): RegExp | undefined {
  if (pattern === undefined && masked.size > 0) {
    const alternatives = new Map<string, string>()
    for (const value of masked) {
      for (const form of forms(value)) {
        const literal = form.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
        alternatives.set(form, value.length >= SHORT_VALUE_LENGTH ? literal : `(?<![\\p{L}\\p{N}])${literal}(?![\\p{L}\\p{N}])`)
      }
    }
    const ordered = [...alternatives].sort(([a], [b]) => b.length - a.length).map(([, source]) => source)
    pattern = new RegExp(ordered.join('|'), 'gu')
  }
  return pattern
}

/**
 * Redacts a text for a message, an output, the job summary or a debug line: first every masked
 * value ({@link mask}) in any of its forms, longest first (a short one only where it stands alone),
 * then the credential parts of every http(s) URL by position ({@link redactUrls}). Idempotent.
 */
export function redact(text: string): string {
  const byValue = maskedPattern()
  return redactUrls(byValue ? text.replace(byValue, REDACTED) : text)
}
