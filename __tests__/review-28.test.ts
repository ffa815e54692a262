/**
 * Regression tests from the hostile review of issue 28 (true to real GitHub): a misconfigured hook's
 * receiver status is read only from GitHub's own wording; export leaves out a legacy service hook
 * (no URL) instead of writing a file plan refuses; the pacing line says "1 request".
 */
import { expect, test } from '@jest/globals'
import { readLastResponse, exportEntries } from '../src/jobs/index.js'
import { pacingLine } from '../src/report/index.js'
import { pacingBudget } from '../src/github/pacing.js'
import type { Hook } from '../src/model.js'

test("a misconfigured hook's receiver status comes from GitHub's 'Invalid HTTP Response: NNN' only, never from an address or a port", () => {
  expect(readLastResponse({ code: 422, status: 'misconfigured', message: 'Invalid HTTP Response: 404' }).code).toBe(404)
  for (const message of ['failed to connect(2) for 203.0.113.7:443', 'connect to 10.0.0.250 port 8443 failed', 'hooks-404.example.com refused']) {
    expect(readLastResponse({ code: 422, status: 'misconfigured', message }).code).toBeNull()
  }
})

test('export leaves out a legacy service hook (no URL) and says so; the hooks with a URL are exported', () => {
  const legacy = { id: 7, name: 'travis', active: true, events: ['push'], config: {} } as unknown as Hook
  const web = {
    id: 8,
    name: 'web',
    active: true,
    events: ['push'],
    config: { url: 'https://ci.example.com/hook', content_type: 'json' }
  } as unknown as Hook
  const { entries, no_url } = exportEntries([{ target: { scope: 'repo', owner: 'octo-org', repo: 'api' }, hooks: [legacy, web] }])
  expect(entries.map((entry) => entry.url)).toEqual(['https://ci.example.com/hook'])
  expect(no_url).toEqual(['repository octo-org/api webhook 7 ("travis")'])
})

test('the pacing line counts in the singular when there is one', () => {
  const stats = {
    requests: 1,
    points: 1,
    busiest_minute_points: 1,
    busiest_route: '/repos/{owner}/{repo}/hooks',
    busiest_minute_response_ms: 50,
    refusals: {},
    waited_s: {},
    budget: pacingBudget()
  }
  expect(pacingLine(stats, 1000)).toMatch(/^Paced: 1 request \(1 point\) in 1\.0 s; busiest minute: 1 point on /)
})
