/**
 * The pacer (src/github/pacing.ts) simulated against a model of GitHub's documented limits on a virtual
 * clock (emulator/pacing-sim.ts): for every generated workload, no window of any limit is exceeded,
 * nothing is sent before GitHub's retry-after, every target ends, and the run stays within 1.25× its
 * floor plus the waits GitHub imposed. A failure prints its seed and path (fast-check's report);
 * `MANAGE_WEBHOOKS_SIM_RUNS` sets how many runs (100 here, to keep `npm test` under two minutes;
 * `npm run bench` runs 2,000). Each case it finds is kept in __tests__/pacing-bounds.test.ts.
 */
import { describe, expect, test } from '@jest/globals'
import fc from 'fast-check'
import { checkRun, simulate, workloadArbitrary } from '../emulator/pacing-sim.js'

const RUNS = Number(process.env.MANAGE_WEBHOOKS_SIM_RUNS ?? 100)

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
