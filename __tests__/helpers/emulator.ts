/**
 * Shared test fixture: one GitHub emulator (validating every response against the OpenAPI
 * description) and one signature-checking webhook receiver per test file, reset before each test;
 * each test must leave no OpenAPI violation behind.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect } from '@jest/globals'
import { startReceiver, type Receiver } from '../../emulator/receiver.js'
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator/server.js'
import type { Connection } from '../../src/model.js'

/** The test file's emulator and receiver (live bindings: set before the file's first test). */
export let emulator: Emulator
export let receiver: Receiver

/**
 * The connection of an in-process client to the test file's emulator: a test token, the default API
 * version and timeouts, and `ghes_rate_limit_factor` 100 (the emulator stands for an Enterprise
 * Server with raised limits) unless a test sets GitHub's own pace (1).
 */
export function emulatorConnection(ghes_rate_limit_factor = 100): Connection {
  return { token: 'test-token', api_url: emulator.url, api_version: '2022-11-28', request_timeout: 30, rate_limit_wait: 600, ghes_rate_limit_factor }
}

/**
 * Registers the jest hooks that start, reset, check and stop the emulator and receiver.
 * @param options emulator options (`validate` is always on)
 * @param secret the receiver's secret, restored before each test
 */
export function useEmulator(options: EmulatorOptions, secret: string): void {
  beforeAll(async () => {
    emulator = await startEmulator({ ...options, validate: true })
    receiver = await startReceiver({ secret })
  })
  afterAll(async () => {
    await receiver?.close()
    await emulator?.close()
  })
  beforeEach(async () => {
    await emulator.idle() // a delivery still in flight from the last test must not land in this one
    emulator.reset()
    receiver.received.length = 0
    receiver.setStatus(200, 'ok')
    receiver.setSecret(secret)
    receiver.setRejectUnverified(false)
  })
  afterEach(() => {
    expect(emulator.violations).toEqual([])
  })
}

/** A parsed JSON answer body; `any` keeps property access in expectations short. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test expectations read arbitrary JSON
export type Body = any

/** One HTTP answer, as `callApi` reads it. */
export interface Answer {
  status: number
  headers: Headers
  /** The parsed JSON body, or undefined when the body is empty. */
  body: Body
  /** Wall-clock time of the round trip (until the body is read), ms. */
  elapsedMs: number
}

/**
 * Calls an HTTP API (an emulator) with the global fetch and reads the whole answer.
 * @param root the API root, e.g. `emulator.url`; ignored when `path` is absolute
 * @param method the HTTP method
 * @param path absolute when it starts with `http`, otherwise relative to `root`
 * @param options `body`: a string is sent as is, anything else as JSON (none when undefined);
 *   `token`: sent as `Authorization: token …`; `headers`: added last, so they override the
 *   defaults (`Authorization`, `Accept: application/vnd.github+json`)
 */
export async function callApi(
  root: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; token?: string } = {}
): Promise<Answer> {
  const { body, headers = {}, token } = options
  const started = performance.now()
  const response = await fetch(path.startsWith('http') ? path : root + path, {
    method,
    headers: { ...(token === undefined ? {} : { Authorization: `token ${token}` }), Accept: 'application/vnd.github+json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
  })
  const text = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : JSON.parse(text),
    elapsedMs: performance.now() - started
  }
}

/** The `x-ratelimit-*` headers of an answer as numbers (resource as text). */
export function rateLimitOf(answer: Answer): { limit: number; remaining: number; used: number; reset: number; resource: string | null } {
  const num = (name: string): number => Number(answer.headers.get(name))
  return {
    limit: num('x-ratelimit-limit'),
    remaining: num('x-ratelimit-remaining'),
    used: num('x-ratelimit-used'),
    reset: num('x-ratelimit-reset'),
    resource: answer.headers.get('x-ratelimit-resource')
  }
}
