/**
 * Outgoing webhook deliveries of the emulator: building the request GitHub would send (headers,
 * body, HMAC signatures) and POSTing it — to loopback addresses only.
 *
 * Follows GitHub's "Webhook events and payloads › Delivery headers" and "Validating webhook
 * deliveries" docs: `X-Hub-Signature-256` is `sha256=` + hex HMAC-SHA256 of the exact body bytes keyed
 * with the hook's secret (`X-Hub-Signature` is the legacy SHA-1 variant); a `form` hook's body is
 * `payload=<url-encoded JSON>`. The JSON is serialised as GitHub's Rails code does (see
 * {@link rubyJson}), so signatures match what a real receiver gets.
 */
import { createHmac } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP } from 'node:net'
import { flattenHeaders } from './http.js'

/** How long an outgoing delivery may take before it is recorded as `timed out` (ms). */
export const DELIVERY_TIMEOUT_MS = 10_000

/** Longest receiver response body kept on a delivery (characters); the rest is cut. */
export const MAX_RESPONSE_BODY_CHARS = 8 * 1024

/** A webhook POST ready to send: header names as GitHub writes them, and the exact body. */
export interface WebhookRequest {
  headers: Record<string, string>
  body: string
}

/** What happened when a delivery was attempted. */
export interface DeliveryOutcome {
  /** Receiver's HTTP status, or 0 when no HTTP response came (refused, not allowed, timed out). */
  statusCode: number
  /** GitHub-style description: `OK`, `Invalid HTTP Response: 500`, `failed to connect`, `timed out`. */
  status: string
  /** Time spent delivering, in seconds. */
  duration: number
  /** ISO 8601 time (second precision, `Z`) at which the attempt started. */
  deliveredAt: string
  /** Receiver's response headers (empty when there was no response). */
  responseHeaders: Record<string, string>
  /** Receiver's response body cut to {@link MAX_RESPONSE_BODY_CHARS}, or null without a response. */
  responseBody: string | null
}

/** What {@link buildWebhookRequest} needs to know about one delivery. */
export interface WebhookRequestInput {
  hookId: number
  /** `X-GitHub-Hook-Installation-Target-Type`: `integration` for a GitHub App's webhook. */
  targetType: 'repository' | 'organization' | 'integration'
  /** `X-GitHub-Hook-Installation-Target-ID`: the repository, organization or app id. */
  targetId: number
  guid: string
  event: string
  contentType: 'json' | 'form'
  /** The hook's real secret; no signature headers are sent without one. */
  secret?: string
  payload: Record<string, unknown>
}

/** Current time as GitHub prints it: ISO 8601 in UTC, whole seconds (`2024-01-02T03:04:05Z`). */
export function isoNow(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** Characters Rails escapes in JSON, with their escapes. */
const RUBY_JSON_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029'
}

/**
 * Serialises a value as GitHub's webhook bodies are (built in Ruby on Rails, whose
 * `ActiveSupport::JSON.encode` escapes HTML-significant characters): compact JSON like
 * `JSON.stringify`, except that `<`, `>`, `&` become `\u003c`, `\u003e`, `\u0026` and U+2028 / U+2029
 * become `\u2028` / `\u2029`. Other non-ASCII characters stay literal (UTF-8), as in Rails. Parsing
 * the result gives back the same value. These characters can only occur inside JSON strings, so
 * replacing them in the output is safe.
 *
 * Not modelled: Ruby's float formatting (`1.0`, `1.0e+20`), which JavaScript numbers cannot carry.
 *
 * @param value a JSON-serialisable value (a payload object)
 * @returns the JSON text GitHub would send and sign
 * @throws TypeError when `value` has no JSON form (undefined, a function, a symbol) or is cyclic
 */
export function rubyJson(value: unknown): string {
  const json: string | undefined = JSON.stringify(value)
  if (json === undefined) throw new TypeError(`rubyJson: ${typeof value} has no JSON form`)
  return json.replace(/[<>&\u2028\u2029]/g, (c) => RUBY_JSON_ESCAPES[c])
}

/**
 * Builds the POST GitHub sends for a delivery. The JSON is {@link rubyJson}`(payload)` (compact, with
 * Rails' escapes); a `form` hook gets `payload=<encodeURIComponent(JSON)>`. Signatures cover the
 * exact body string.
 */
export function buildWebhookRequest(input: WebhookRequestInput): WebhookRequest {
  const json = rubyJson(input.payload)
  const body = input.contentType === 'json' ? json : `payload=${encodeURIComponent(json)}`
  const headers: Record<string, string> = {
    Accept: '*/*',
    'Content-Type': input.contentType === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
    'User-Agent': 'GitHub-Hookshot/emulator',
    'X-GitHub-Delivery': input.guid,
    'X-GitHub-Event': input.event,
    'X-GitHub-Hook-ID': String(input.hookId),
    'X-GitHub-Hook-Installation-Target-ID': String(input.targetId),
    'X-GitHub-Hook-Installation-Target-Type': input.targetType
  }
  if (input.secret) {
    headers['X-Hub-Signature'] = `sha1=${createHmac('sha1', input.secret).update(body).digest('hex')}`
    headers['X-Hub-Signature-256'] = `sha256=${createHmac('sha256', input.secret).update(body).digest('hex')}`
  }
  return { headers, body }
}

/**
 * Whether a URL host (as `URL.hostname` gives it) is a loopback address: `localhost`, any IPv4
 * address in 127.0.0.0/8, or IPv6 `::1` (bracketed or not). Everything else — other names, `0.0.0.0`,
 * private ranges — is not, and the emulator never sends anything there.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1')
  if (host === 'localhost' || host === '::1') return true
  return isIP(host) === 4 && host.startsWith('127.')
}

/**
 * GitHub's description of a delivery's outcome from the receiver's status code: `OK` for 2xx,
 * `Invalid HTTP Response: <code>` otherwise, `failed to connect` for 0 (no HTTP response).
 */
export function describeStatus(statusCode: number): string {
  if (statusCode === 0) return 'failed to connect'
  return statusCode >= 200 && statusCode < 300 ? 'OK' : `Invalid HTTP Response: ${statusCode}`
}

/**
 * POSTs a webhook to `url` and reports the outcome; never rejects.
 *
 * Only loopback hosts (see {@link isLoopbackHost}) over http(s) are contacted; any other URL is
 * recorded as `failed to connect` with status code 0 and no traffic at all. Connection errors also
 * give `failed to connect`; no response within `timeoutMs` gives `timed out` (status code 0).
 *
 * @param url the hook's `config.url`
 * @param request headers and body from {@link buildWebhookRequest}
 * @param options.insecureSsl skip TLS certificate verification (the hook's `insecure_ssl: "1"`)
 * @param options.timeoutMs overall limit, default {@link DELIVERY_TIMEOUT_MS}
 */
export function sendWebhook(url: string, request: WebhookRequest, options: { insecureSsl: boolean; timeoutMs?: number }): Promise<DeliveryOutcome> {
  const deliveredAt = isoNow()
  const started = performance.now()
  const finish = (
    statusCode: number,
    status: string,
    responseHeaders: Record<string, string> = {},
    responseBody: string | null = null
  ): DeliveryOutcome => ({
    statusCode,
    status,
    duration: Math.round(performance.now() - started) / 1000,
    deliveredAt,
    responseHeaders,
    responseBody
  })

  let target: URL
  try {
    target = new URL(url)
  } catch {
    return Promise.resolve(finish(0, 'failed to connect'))
  }
  const secure = target.protocol === 'https:'
  if (!(secure || target.protocol === 'http:') || !isLoopbackHost(target.hostname)) {
    return Promise.resolve(finish(0, 'failed to connect'))
  }

  const signal = AbortSignal.timeout(options.timeoutMs ?? DELIVERY_TIMEOUT_MS)
  return new Promise((resolve) => {
    const send = secure ? httpsRequest : httpRequest
    const outgoing = send(
      target,
      {
        method: 'POST',
        headers: { ...request.headers, 'Content-Length': String(Buffer.byteLength(request.body)) },
        agent: false,
        signal,
        rejectUnauthorized: !options.insecureSsl
      },
      (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => {
          if (body.length < MAX_RESPONSE_BODY_CHARS) body += chunk
        })
        response.on('end', () => {
          const code = response.statusCode ?? 0
          resolve(finish(code, describeStatus(code), flattenHeaders(response.headers), body.slice(0, MAX_RESPONSE_BODY_CHARS)))
        })
        response.on('error', () => resolve(finish(0, signal.aborted ? 'timed out' : 'failed to connect')))
      }
    )
    // A promise settles once, so a late error after 'end' is harmless.
    outgoing.on('error', () => resolve(finish(0, signal.aborted ? 'timed out' : 'failed to connect')))
    outgoing.end(request.body)
  })
}
