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
