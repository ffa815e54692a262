/**
 * Keeps secrets out of everything the step shows: the webhook secret, the token, and credentials
 * carried by hook URLs (`https://user:pass@host/…`, or a query value such as `?token=…`).
 * Each is masked in the log (`core.setSecret`, the runner's `::add-mask::`) and remembered, so that
 * {@link redact} can take it out of outputs and the job summary too.
 */
import * as core from '@actions/core'

/** What replaces a secret in outputs and the job summary. */
export const REDACTED = '***'

/**
 * Query parameter names whose values are credentials: the whole name, or its last `_`/`-`/`.` part,
 * is one of these words (`token`, `access_token`, `api-key`, `sig`…), case-insensitively. Words that
 * merely contain them (`author`, `keyword`, `design`) do not count.
 */
const SECRET_QUERY_NAME =
  /^(?:.*[_.-])?(?:token|secret|key|apikey|password|passwd|pwd|pass|sig|signature|auth|authorization|credential|credentials|session|sessionid|jwt)$/i

/** A URL username at least this long is taken for a token (`https://<token>@host`); shorter ones (`api`, `admin`) are names. */
const TOKEN_LIKE_USERNAME = 8

/** The values masked so far, longest first when redacting. */
const masked = new Set<string>()

/** URL credentials shorter than this are not masked: masking `ab` everywhere would garble every log line. */
const MIN_URL_CREDENTIAL_LENGTH = 3

/** Masks a value in the log and remembers it for {@link redact}. Blank values are ignored. */
export function mask(value: string): void {
  if (value.trim() === '') return
  masked.add(value)
  core.setSecret(value)
}

/** `decodeURIComponent` that keeps a malformed escape (`%zz`) as written instead of throwing. */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '))
  } catch {
    return text
  }
}

/**
 * The credentials a URL carries: its password, its username when it looks like a token (8+
 * characters), and the values of query parameters named like credentials (`token`, `secret`, `key`,
 * `sig`, `auth`, …), each as written in the URL and decoded. Any scheme; not a URL → none.
 */
export function urlCredentials(url: string): string[] {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return []
  }
  const found: string[] = []
  if (parsed.password) found.push(parsed.password, decoded(parsed.password))
  if (parsed.username.length >= TOKEN_LIKE_USERNAME) found.push(parsed.username, decoded(parsed.username))
  for (const pair of parsed.search.slice(1).split('&')) {
    const at = pair.indexOf('=')
    if (at > 0 && SECRET_QUERY_NAME.test(decoded(pair.slice(0, at))) && at < pair.length - 1) {
      found.push(pair.slice(at + 1), decoded(pair.slice(at + 1)))
    }
  }
  return [...new Set(found)].filter((value) => value.length >= MIN_URL_CREDENTIAL_LENGTH)
}

/** Masks the credentials of every http(s) URL found in a text or a JSON-able value (e.g. hooks from the API). */
export function maskUrlCredentials(value: unknown): void {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null)
  for (const [url] of text.matchAll(/https?:\/\/[^\s"'<>\\]+/g)) urlCredentials(url).forEach(mask)
}

/** Replaces every masked value in a text with {@link REDACTED}. */
export function redact(text: string): string {
  let result = text
  for (const value of [...masked].sort((a, b) => b.length - a.length)) result = result.split(value).join(REDACTED)
  return result
}
