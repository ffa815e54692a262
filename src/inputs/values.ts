/**
 * The parsers of single input values, the first step of the input flow (see ./input-helper.ts).
 * Each takes the raw value (a string, trimmed as `core.getInput` returns it) and the input's name,
 * returns the typed value, and throws an `Error` whose message names the input, repeats the value
 * (unless it may hold a credential) and says what the input accepts; `getRequest` gathers these
 * messages into one `InputError`. Nothing here imports another input module.
 */
import type * as core from '@actions/core'
import { emitterEventNames } from '@octokit/webhooks'
import { closest, distance } from 'fastest-levenshtein'
import { FINDINGS, type Finding } from '../model.js'

/** Reads one raw input, like `core.getInput`: '' when unset. */
export type InputReader = (name: string, options?: core.InputOptions) => string

/** Reads one input as `getRequest` sees it: undefined when unset or equal to its action.yml default. */
export type ReadInput = (name: string) => string | undefined

/**
 * Runs a parser on one input as `getRequest` sees it ({@link ReadInput}) and records the parser's
 * error as a problem: undefined when the input is unset or invalid.
 */
export type ParseInput = <T>(name: string, parser: (raw: string, name: string) => T) => T | undefined

/** `'a', 'b' or 'c'`: the words an input accepts, for its error message. */
export function list(values: readonly string[]): string {
  const quoted = values.map((value) => `'${value}'`)
  return quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}` : quoted.join('')
}

/**
 * Accepts one of the given words (exactly as written).
 * @throws Error naming the input and the words it accepts
 */
export function oneOf<T extends string>(values: readonly T[]): (raw: string, name: string) => T {
  return (raw, name) => {
    if ((values as readonly string[]).includes(raw)) return raw as T
    throw new Error(`Input '${name}' is '${raw}'${didYouMean(raw, values)}; it accepts ${list(values)}.`)
  }
}

/**
 * ` (did you mean 'inventory'?)` when a known value is near `raw` (3 characters or more) (`fastest-levenshtein`: at most 2
 * edits, or a third of its length, case-insensitive); '' otherwise.
 */
export function didYouMean(raw: string, values: readonly string[]): string {
  if (values.length === 0 || raw.trim().length < 3) return '' // '2' is not a typo of '0'
  const typed = raw.trim().toLowerCase()
  const near = closest(typed, [...values])
  return distance(typed, near.toLowerCase()) <= Math.max(2, Math.floor(typed.length / 3)) ? ` (did you mean '${near}'?)` : ''
}

/**
 * Accepts a positive integer (ids, limits): digits only, at most `Number.MAX_SAFE_INTEGER`.
 * @throws Error naming the input when it is not one
 */
export function positiveInteger(raw: string, name: string): number {
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN
  if (Number.isSafeInteger(value) && value > 0) return value
  throw new Error(`Input '${name}' is '${raw}'; it accepts a positive integer.`)
}

/**
 * Accepts an integer within [min, max] (digits only: no sign).
 * @throws Error naming the input and the range
 */
export function integerIn(min: number, max: number): (raw: string, name: string) => number {
  return (raw, name) => {
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN
    if (value >= min && value <= max) return value
    throw new Error(`Input '${name}' is '${raw}'; it accepts an integer from ${min} to ${max}.`)
  }
}

/**
 * Accepts a fraction from 0 to 1 (`0.95`, `.5`, `1`), e.g. a success rate.
 * @throws Error naming the input when it is not one
 */
export function fraction(raw: string, name: string): number {
  const value = /^(0|1)?(\.\d+)?$/.test(raw) && raw !== '' && raw !== '.' ? Number(raw) : NaN
  if (value >= 0 && value <= 1) return value
  throw new Error(`Input '${name}' is '${raw}'; it accepts a number from 0 to 1, e.g. 0.95 for 95 %.`)
}

/**
 * Accepts a positive number of SECONDS up to `max` (fractions allowed: `1.5`), returned in seconds.
 * @throws Error naming the input and `max`
 */
export function seconds(max: number): (raw: string, name: string) => number {
  return (raw, name) => {
    const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN
    if (value > 0 && value <= max) return value
    throw new Error(`Input '${name}' is '${raw}'; it accepts a positive number of seconds up to ${max}.`)
  }
}

/**
 * Seconds from 0 (no wait) up to `max`, as {@link seconds} otherwise.
 * @throws Error naming the input and `max`
 */
export function secondsOrZero(max: number): (raw: string, name: string) => number {
  return (raw, name) => (raw === '0' ? 0 : seconds(max)(raw, name))
}

/**
 * `ghes_rate_limit_factor`: a number above 0, up to 1000, that multiplies GitHub's rate limits.
 * @throws Error naming the input when it is not one
 */
export function factor(raw: string, name: string): number {
  const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN
  if (value > 0 && value <= 1000) return value
  throw new Error(`Input '${name}' is '${raw}'; it accepts a number above 0 and up to 1000 that multiplies GitHub's rate limits (1: GitHub's own).`)
}

/** Milliseconds in one unit of a {@link pointInTime} duration. */
const DURATION_UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: 86400_000, w: 7 * 86400_000 }

/**
 * Accepts an ISO 8601 time (`2026-11-20T06:00:00Z`, `2026-11-20`) or a duration back from now
 * (`90s`, `30m`, `6h`, `7d`, `1w`), and returns the point in time.
 * @throws Error naming the input when it is neither
 */
export function pointInTime(raw: string, name: string): Date {
  const duration = /^(\d+)\s*([smhdw])$/.exec(raw)
  if (duration) return new Date(Date.now() - Number(duration[1]) * DURATION_UNITS_MS[duration[2]])
  const time = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw) ? Date.parse(raw) : NaN
  if (!Number.isNaN(time)) return new Date(time)
  throw new Error(`Input '${name}' is '${raw}'; it accepts an ISO 8601 time such as 2026-11-20T06:00:00Z or a duration such as 30m, 6h or 7d.`)
}

/**
 * Accepts an absolute http:// or https:// URL (returned as given).
 * @throws Error naming the input, WITHOUT its value (a URL may carry a credential)
 */
export function httpUrl(raw: string, name: string): string {
  let protocol: string | undefined
  try {
    protocol = new URL(raw).protocol
  } catch {
    protocol = undefined
  }
  if (protocol === 'http:' || protocol === 'https:') return raw
  // Not repeated: a URL that does not parse may still carry a credential the redaction cannot find.
  throw new Error(
    `Input '${name}' is not an absolute http:// or https:// URL (its value is not shown: it may hold a credential); it accepts an absolute http:// or https:// URL.`
  )
}

/**
 * Accepts the YAML 1.2 core booleans (`true`, `True`, `TRUE`, `false`, `False`, `FALSE`), as
 * `core.getBooleanInput` does.
 * @throws Error naming the input when it is none of them
 */
export function boolean(raw: string, name: string): boolean {
  if (['true', 'True', 'TRUE'].includes(raw)) return true
  if (['false', 'False', 'FALSE'].includes(raw)) return false
  throw new Error(`Input '${name}' is '${raw}'; it accepts true or false.`)
}

/** API versions GitHub documents for the hooks endpoints (`X-GitHub-Api-Version`); the first is the default. */
export const KNOWN_API_VERSIONS = ['2022-11-28', '2026-03-10'] as const

/**
 * Accepts a date-shaped API version (`YYYY-MM-DD`); `getRequest` warns about versions outside
 * {@link KNOWN_API_VERSIONS}.
 * @throws Error naming the input when it is not date-shaped
 */
export function apiVersion(raw: string, name: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(raw)) return raw
  throw new Error(`Input '${name}' is '${raw}'; it accepts a REST API version date such as ${list(KNOWN_API_VERSIONS)}.`)
}

/**
 * GitHub's webhook event names (the event, without `.action`), from `@octokit/webhooks`, which
 * follows GitHub's webhooks OpenAPI description; `*` (all events) is allowed too.
 */
export const KNOWN_EVENTS: ReadonlySet<string> = new Set(emitterEventNames.filter((name) => !name.includes('.')))

/**
 * Accepts event names as a JSON array of strings, or separated by commas and/or new lines
 * (`push, pull_request` or one per line). `*` stands for all events. Duplicates are dropped. Only
 * the shape is checked here; names outside {@link KNOWN_EVENTS} are refused by `getRequest`
 * ({@link unknownEvents}) unless `allow_unknown_events` is set.
 * @throws Error naming the input and each malformed name
 */
export function eventList(raw: string, name: string): string[] {
  const accepts = `it accepts webhook event names such as push, pull_request or * (all events), separated by commas or new lines, or a JSON array of them`
  let names: unknown
  if (raw.startsWith('[')) {
    try {
      names = JSON.parse(raw)
    } catch {
      names = undefined
    }
    if (!Array.isArray(names) || !names.every((item) => typeof item === 'string')) {
      throw new Error(`Input '${name}' starts with '[' but is not a JSON array of strings; ${accepts}.`)
    }
  } else {
    names = raw
      .split(/\r?\n/)
      .map((line) => line.trim().replace(/,$/, ''))
      .filter((line) => line !== '')
      .flatMap((line) => line.split(','))
  }
  const events = (names as string[]).map((event) => event.trim())
  const bad = events.filter((event) => !/^(\*|[A-Za-z][A-Za-z0-9_.-]*)$/.test(event))
  if (bad.length > 0 || events.length === 0) {
    const shown = bad.map((event) => (event === '' ? 'an empty name' : `'${event}'`)).join(', ') || 'no event'
    throw new Error(`Input '${name}' has ${shown}; ${accepts}.`)
  }
  return [...new Set(events)]
}

/**
 * The error message for event names of input `name` that GitHub does not know ({@link KNOWN_EVENTS}),
 * with the closest known name for each (Levenshtein distance, `fastest-levenshtein`) when it is near.
 */
export function unknownEvents(name: string, events: string[]): string {
  const known = [...KNOWN_EVENTS]
  const named = events.map((event) => {
    const typed = event.toLowerCase().replace(/-/g, '_')
    const near = closest(typed, known)
    return distance(typed, near) <= Math.max(2, Math.floor(typed.length / 3)) ? `'${event}' (did you mean '${near}'?)` : `'${event}'`
  })
  return (
    `Input '${name}' has ${events.length === 1 ? 'an unknown webhook event' : 'unknown webhook events'}: ${named.join(', ')}; ` +
    `it accepts GitHub's webhook event names (push, pull_request, issues, … or * for all). ` +
    `Set 'allow_unknown_events: true' for an event newer than this action knows (e.g. on GitHub Enterprise Server).`
  )
}

/**
 * Accepts repository topics separated by commas or new lines (GitHub's topic format: lower case,
 * digits, hyphens, at most 50 characters); lower-cased, duplicates dropped.
 * @throws Error naming the input and each malformed topic
 */
export function topicList(raw: string, name: string): string[] {
  const topics = raw
    .split(/[\r\n,]+/)
    .map((topic) => topic.trim().toLowerCase())
    .filter((topic) => topic !== '')
  const bad = topics.filter((topic) => !/^[a-z0-9][a-z0-9-]{0,49}$/.test(topic))
  if (bad.length > 0 || topics.length === 0) {
    throw new Error(
      `Input '${name}' has ${bad.map((topic) => `'${topic}'`).join(', ') || 'no topic'}; it accepts repository topics (lower-case letters, digits and hyphens, at most 50 characters), separated by commas or new lines.`
    )
  }
  return [...new Set(topics)]
}

/**
 * Accepts `name=value`: a custom property of the organization and the value a repository must have
 * (both trimmed; the name without whitespace).
 * @throws Error naming the input when it is not of that shape
 */
export function propertyFilter(raw: string, name: string): { name: string; value: string } {
  const at = raw.indexOf('=')
  const property = raw.slice(0, at).trim()
  const value = raw.slice(at + 1).trim()
  if (at > 0 && property !== '' && value !== '' && !/\s/.test(property)) return { name: property, value }
  throw new Error(
    `Input '${name}' is '${raw}'; it accepts name=value: a custom property of the organization and the value a repository must have, e.g. team=platform.`
  )
}

/**
 * Reads input `name` (`fail_on`): finding ids of {@link FINDINGS} separated by commas, spaces or new
 * lines, case-insensitive; duplicates dropped; blank → none.
 * @returns the findings, in {@link FINDINGS} order
 * @throws Error naming the input and each unknown id, with the closest known id
 *   (`fastest-levenshtein`) when it is near: `Input 'fail_on' has an unknown finding 'no-secrets'
 *   (did you mean 'no-secret'?); it accepts no-secret, insecure-ssl, …`
 */
export function findingIds(raw: string, name: string): Finding[] {
  const words = raw
    .split(/[\s,]+/)
    .map((word) => word.trim())
    .filter((word) => word !== '')
  const known: readonly string[] = FINDINGS
  const unknown = words.filter((word) => !known.includes(word.toLowerCase()))
  if (unknown.length > 0) {
    const named = unknown.map((word) => {
      const typed = word.toLowerCase()
      const near = closest(typed, [...known])
      return distance(typed, near) <= Math.max(2, Math.floor(typed.length / 3)) ? `'${word}' (did you mean '${near}'?)` : `'${word}'`
    })
    throw new Error(
      `Input '${name}' has ${unknown.length === 1 ? 'an unknown finding' : 'unknown findings'} ${named.join(', ')}; it accepts ${FINDINGS.join(', ')}.`
    )
  }
  const given = new Set(words.map((word) => word.toLowerCase()))
  return FINDINGS.filter((finding) => given.has(finding))
}
