/**
 * Keeps secrets out of everything the step shows: the webhook secret, the token, and credentials
 * carried by hook URLs (`https://user:pass@host/…`, or a query value such as `?token=…`).
 * Each is masked in the log (`core.setSecret`, the runner's `::add-mask::`) and remembered, so that
 * {@link redact} can take it out of outputs and the job summary too.
 */
import * as core from '@actions/core'

/** What replaces a secret in outputs and the job summary. */
export const REDACTED = '***'

/** Query parameter names whose values are credentials (matched case-insensitively, anywhere in the name). */
const SECRET_QUERY_NAME = /token|secret|key|pass|sig|auth|cred|code|session/i

/** The values masked so far, longest first when redacting. */
const masked = new Set<string>()

/** Values shorter than this are not masked: masking `ab` would garble every log line. */
const MIN_MASKED_LENGTH = 3

/** Masks a value in the log and remembers it for {@link redact}. Blank or very short values are ignored. */
export function mask(value: string): void {
  if (value.trim().length < MIN_MASKED_LENGTH) return
  masked.add(value)
  core.setSecret(value)
}

/**
 * The credentials a URL carries: its password, its username when there is a password, and the values
 * of query parameters named like credentials (`token`, `secret`, `key`, `sig`, `auth`, …), both as
 * written in the URL and decoded. Not a URL → none.
 */
export function urlCredentials(url: string): string[] {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return []
  }
  const found: string[] = []
  if (parsed.password) found.push(parsed.password, decodeURIComponent(parsed.password))
  if (parsed.password && parsed.username) found.push(parsed.username, decodeURIComponent(parsed.username))
  for (const [name, value] of parsed.searchParams) {
    if (SECRET_QUERY_NAME.test(name) && value !== '') found.push(value, encodeURIComponent(value))
  }
  return [...new Set(found)]
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
