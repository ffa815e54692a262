/**
 * Shared test fixture: one GitHub emulator (validating every response against the OpenAPI
 * description) and one signature-checking webhook receiver per test file, reset before each test;
 * each test must leave no OpenAPI violation behind.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect } from '@jest/globals'
import { startReceiver, type Receiver } from '../../emulator/receiver.js'
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator/server.js'

/** Filled in before the file's first test. */
export interface Fixture {
  emulator: Emulator
  receiver: Receiver
}

/**
 * Registers the jest hooks that start, reset, check and stop the emulator and receiver.
 * @param options emulator options (`validate` is always on)
 * @param secret the receiver's secret, restored before each test
 */
export function useEmulator(options: EmulatorOptions, secret: string): Fixture {
  const fixture = {} as Fixture
  beforeAll(async () => {
    fixture.emulator = await startEmulator({ ...options, validate: true })
    fixture.receiver = await startReceiver({ secret })
  })
  afterAll(async () => {
    await fixture.receiver?.close()
    await fixture.emulator?.close()
  })
  beforeEach(() => {
    fixture.emulator.reset()
    fixture.receiver.received.length = 0
    fixture.receiver.setStatus(200, 'ok')
    fixture.receiver.setSecret(secret)
  })
  afterEach(() => {
    expect(fixture.emulator.violations).toEqual([])
  })
  return fixture
}

/** A parsed JSON answer body; `any` keeps property access in expectations short. */
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
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text), elapsedMs: performance.now() - started }
}
