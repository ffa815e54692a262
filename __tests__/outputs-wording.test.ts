/**
 * Wording of the step's log and job summary (src/report/ and the operation modules of src/operations/) that a reader could misread (issue
 * "True to real GitHub"): the pacing line under `ghes_rate_limit_factor`, and empty table cells.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { countResults, type TargetResult } from '../src/jobs/index.js'
import type { WebhookRequest } from '../src/model.js'
import { pacingLine, writeFleetSummary } from '../src/report/index.js'
import { operationModule } from '../src/operations.js'
import { pacingBudget, type PacingStats } from '../src/github/pacing.js'

const stats = (factor: number, busiest: number): PacingStats => ({
  requests: 2000,
  points: 6000,
  busiest_minute_points: busiest,
  busiest_route: '/repos/{owner}/{repo}/hooks',
  busiest_minute_response_ms: 12_300,
  refusals: {},
  waited_s: {},
  budget: pacingBudget(factor)
})

test('under ghes_rate_limit_factor, the busiest minute is compared with the run’s own budget, not read as a breach of GitHub.com’s 900', () => {
  const line = pacingLine(stats(20, 1665), 60_000)
  expect(line).toContain(
    "busiest minute: 1,665 points on /repos/{owner}/{repo}/hooks (within this run's budget of 17,100 per endpoint, raised by ghes_rate_limit_factor; GitHub.com allows 900)"
  )
  expect(line).toContain("12.3 s of response time (within this run's budget of 1620.0 s; GitHub.com allows 90 s)")
  expect(line).not.toContain('(GitHub allows 900 per endpoint)')
  // On github.com (factor 1) the line compares with GitHub's own limits.
  expect(pacingLine(stats(1, 450), 60_000)).toContain('busiest minute: 450 points on /repos/{owner}/{repo}/hooks (GitHub allows 900 per endpoint)')
})

const dir = mkdtempSync(join(tmpdir(), 'outputs-wording-'))
const summaryFile = join(dir, 'summary.html')
const saved = process.env.GITHUB_STEP_SUMMARY
beforeAll(() => {
  process.env.GITHUB_STEP_SUMMARY = summaryFile
})
afterAll(() => {
  if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY
  else process.env.GITHUB_STEP_SUMMARY = saved
  rmSync(dir, { recursive: true, force: true })
})

test('an empty summary cell is closed (<td></td>), not left as <td><td>', async () => {
  writeFileSync(summaryFile, '')
  const results: TargetResult[] = [
    { target: { scope: 'repo', owner: 'octo-org', repo: 'a' }, name: 'octo-org/a', result: 'listed', ok: true, changed: false }
  ]
  const request = {
    operation: 'list',
    targets: { kind: 'repositories', selection: { patterns: [{ text: 'octo-org/a' }] } },
    dry_run: false
  } as unknown as WebhookRequest
  await writeFleetSummary(request, undefined, results, countResults(results), operationModule(request.operation))
  const summary = readFileSync(summaryFile, 'utf8')
  // The hook and details cells are empty: no hook id, no message.
  expect(summary).toContain('<td><code>octo-org/a</code></td><td>listed</td><td></td><td></td></tr>')
  expect(summary).not.toMatch(/<td><td|<td><\/tr>|<th><th/)
})
