/**
 * The pacer (src/github/pacing.ts) simulated against a model of GitHub's documented limits on a virtual
 * clock (emulator/pacing-sim.ts): for every generated workload, no window of any limit is exceeded,
 * nothing is sent before GitHub's retry-after, every target ends, and the run stays within 1.25× its
 * floor plus the waits GitHub imposed. A failure prints its seed and path (fast-check's report);
 * `MANAGE_WEBHOOKS_SIM_RUNS` sets how many runs (`npm run bench` runs more).
 */
import { describe, expect, test } from '@jest/globals'
import fc from 'fast-check'
import { checkRun, simulate, workloadArbitrary, type Workload } from '../emulator/pacing-sim.js'

const RUNS = Number(process.env.MANAGE_WEBHOOKS_SIM_RUNS ?? 200)

describe('the pacer against a model of GitHub, on a virtual clock', () => {
  test('every generated workload keeps every limit, ends, and stays within 1.25× its floor', async () => {
    await fc.assert(
      fc.asyncProperty(workloadArbitrary(5000, 0.04), async (workload) => {
        const run = await simulate(workload)
        expect(checkRun(run)).toEqual([])
      }),
      { numRuns: RUNS, verbose: 1 }
    )
  })
})

describe('found by the simulation, kept as plain cases', () => {
  test('a request queued behind another on its route holds up no other route (seed -2052915619, shrunk)', async () => {
    // 11 targets, each reading its deliveries, then its hooks. The 6th to 11th deliveries reads wait for
    // their route's smoothing window; they held the shared response-time budget too, so the first hooks
    // reads, free to go at 20 ms, waited 341 ms behind them: 1,073 ms in all, over 1.25 × the 733 ms floor.
    const workload: Workload = {
      targets: 11,
      patterns: [
        [
          { method: 'GET', path: '/hooks/1/deliveries' },
          { method: 'GET', path: '/hooks' }
        ]
      ],
      refusals: [],
      hidden: undefined,
      primary: { limit: 5000, window_s: 3600 },
      rate_limit_wait: 600,
      seed: 0,
      answer_ms: { lo: 10, hi: 10 }
    }
    const run = await simulate(workload)
    expect(checkRun(run)).toEqual([])
    const hooksReads = run.received.filter((request) => request.route.endsWith('/hooks')).map((request) => request.at - run.received[0].at)
    expect(hooksReads[0]).toBeLessThanOrEqual(20)
  })
})
