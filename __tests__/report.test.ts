/**
 * Delivery health figures (src/jobs/health.ts) on a hand-built mix of deliveries whose every figure is
 * worked out here by hand, the hourly series, and the Mermaid charts of the job summary
 * (src/report/charts.ts), which are checked with Mermaid's own parser (`mermaid.parse`, the one GitHub's
 * renderer runs) so that a chart GitHub would refuse to draw cannot ship.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { Window } from 'happy-dom'
import { deliveriesChart, durationChart, mermaidString, plainNumber } from '../src/report/charts.js'
import type { DeliveryItem } from '../src/model.js'
import {
  hookReport,
  hourlySeries,
  MAX_HOURS,
  nearestRank,
  overallSuccessRate,
  worstReportsFirst,
  type HookReport,
  type HourlySeries
} from '../src/jobs/health.js'

let nextId = 100
/** A delivery as the API lists it; ids grow with each call (build in time order). */
function delivery(guid: string, delivered_at: string, status_code: number, status: string, duration: number, event = 'push'): DeliveryItem {
  return {
    id: nextId++,
    guid,
    delivered_at,
    status_code,
    status,
    duration,
    event,
    action: null,
    redelivery: false,
    installation_id: null,
    repository_id: null
  } as DeliveryItem
}

/** The report window (half-open). */
const span = { since: new Date('2026-06-12T07:30:00Z'), until: new Date('2026-06-12T12:15:00Z') }

// Hook "busy" (repository octo/hello, hook 11), in time order. g2 fails with 502 and its redelivery
// succeeds; g3 and g6 cannot connect (status 0); g4 answers 500. g0 is before `since`, g7 exactly at
// `until` (the window is half-open): both are left out — g7 would end the failing streak, g0 add a 503.
const g0 = delivery('g0', '2026-06-12T07:10:00Z', 503, 'Service Unavailable', 3)
const g1 = delivery('g1', '2026-06-12T08:45:00Z', 200, 'OK', 0.2)
const g2 = delivery('g2', '2026-06-12T09:05:00Z', 502, 'Bad Gateway', 1.5, 'issues')
const g3 = delivery('g3', '2026-06-12T09:40:00Z', 0, 'failed to connect', 10)
const g2again = { ...delivery('g2', '2026-06-12T10:20:00Z', 200, 'OK', 0.4, 'issues'), redelivery: true }
const g5 = delivery('g5', '2026-06-12T10:50:00Z', 200, 'OK', 0.05, 'ping')
const g8 = delivery('g8', '2026-06-12T11:10:00Z', 200, 'OK', 0.3)
const g4 = delivery('g4', '2026-06-12T11:30:00Z', 500, 'Internal Server Error', 2)
const g6 = delivery('g6', '2026-06-12T12:05:00Z', 0, 'failed to connect', 9.5)
const g7 = delivery('g7', '2026-06-12T12:15:00Z', 200, 'OK', 0.1)
/** As the API lists them: newest first. */
const busyDeliveries = [g7, g6, g4, g8, g5, g2again, g3, g2, g1, g0]
// Hook "idle" (organization octo, hook 22, inactive): one success.
const i1 = delivery('i1', '2026-06-12T11:45:00Z', 200, 'OK', 0.1)
// Hook "quiet" (a GitHub App's, no id): one delivery, before the window.
const q1 = delivery('q1', '2026-06-12T07:00:00Z', 200, 'OK', 0.7)

const busy = hookReport({ target: 'repository octo/hello', hook_id: 11, url: 'https://hooks.example.com/busy', active: true }, busyDeliveries, span)
const idle = hookReport({ target: 'organization octo', hook_id: 22, url: 'https://hooks.example.com/idle', active: false }, [i1], span)
const quiet = hookReport({ target: 'app octo-app', url: 'https://hooks.example.com/quiet', active: true }, [q1], span)

describe('hookReport', () => {
  test('every figure of a hook with a known mix', () => {
    expect(busy).toEqual({
      target: 'repository octo/hello',
      hook_id: 11,
      url: 'https://hooks.example.com/busy',
      active: true,
      deliveries: 8, // g1, g2, g3, g2 again, g5, g8, g4, g6
      guids: 7, // g1, g2, g3, g5, g8, g4, g6
      failed_guids: 3, // g3, g4, g6; g2's redelivery got a 200
      success_rate: 4 / 7,
      // sorted: 0.05 0.2 0.3 0.4 1.5 2 9.5 10; nearest rank of 8: p50 the ⌈4⌉th, p95 the ⌈7.6⌉th = 8th
      duration_p50: 0.4,
      duration_p95: 10,
      duration_max: 10,
      last_success: '2026-06-12T11:10:00Z', // g8 (g7 is outside)
      failing_streak: 2, // g6, g4, then g8 succeeded
      failures_by_status: { '0 failed to connect': 2, '500 Internal Server Error': 1, '502 Bad Gateway': 1 },
      by_event: { push: 5, issues: 2, ping: 1 },
      inactive: false,
      quiet: false
    })
    // Most frequent first, then by key.
    expect(Object.keys(busy.failures_by_status)).toEqual(['0 failed to connect', '500 Internal Server Error', '502 Bad Gateway'])
    expect(Object.keys(busy.by_event)).toEqual(['push', 'issues', 'ping'])
  })

  test('an inactive hook with one success', () => {
    expect(idle).toEqual({
      target: 'organization octo',
      hook_id: 22,
      url: 'https://hooks.example.com/idle',
      active: false,
      deliveries: 1,
      guids: 1,
      failed_guids: 0,
      success_rate: 1,
      duration_p50: 0.1,
      duration_p95: 0.1,
      duration_max: 0.1,
      last_success: '2026-06-12T11:45:00Z',
      failing_streak: 0,
      failures_by_status: {},
      by_event: { push: 1 },
      inactive: true,
      quiet: false
    })
  })

  test('a quiet hook (its only delivery is before the window); a GitHub App hook has no id', () => {
    expect(quiet).toEqual({
      target: 'app octo-app',
      hook_id: undefined,
      url: 'https://hooks.example.com/quiet',
      active: true,
      deliveries: 0,
      guids: 0,
      failed_guids: 0,
      success_rate: null,
      duration_p50: null,
      duration_p95: null,
      duration_max: null,
      last_success: null,
      failing_streak: 0,
      failures_by_status: {},
      by_event: {},
      inactive: false,
      quiet: true
    })
  })

  test('the order of the deliveries does not matter; every delivery failing makes the streak the count', () => {
    const shuffled = [g2, g6, g1, g7, g4, g0, g8, g3, g5, g2again]
    expect(hookReport({ target: 't', hook_id: 11, url: 'https://hooks.example.com/busy', active: true }, shuffled, span)).toEqual({
      ...busy,
      target: 't'
    })
    const down = hookReport({ target: 't', url: 'u', active: true }, [g6, g4, g3], span)
    expect(down).toMatchObject({ failing_streak: 3, failed_guids: 3, success_rate: 0, last_success: null })
  })
})

test('nearestRank', () => {
  expect(nearestRank([4, 1, 3, 2], 50)).toBe(2)
  const twenty = Array.from({ length: 20 }, (_, i) => 20 - i) // 20 … 1
  expect(nearestRank(twenty, 95)).toBe(19)
  expect(nearestRank(twenty, 100)).toBe(20)
  expect(nearestRank(twenty, 1)).toBe(1)
  expect(nearestRank([7], 95)).toBe(7)
  expect(nearestRank([], 50)).toBeNull()
  expect(() => nearestRank([1], 0)).toThrow(RangeError)
  expect(twenty[0]).toBe(20) // not sorted in place
})

test('overallSuccessRate: over every guid of every hook', () => {
  expect(overallSuccessRate([busy, idle, quiet])).toBe((4 + 1) / (7 + 1))
  expect(overallSuccessRate([quiet])).toBeNull()
  expect(overallSuccessRate([])).toBeNull()
})

test('worstReportsFirst: longest failing streak, then lowest rate (none last), most failed guids, then target/url/id', () => {
  const make = (name: string, fields: Partial<HookReport>): HookReport => ({ ...idle, target: name, ...fields })
  const halfA = make('half-a', { success_rate: 0.5, failed_guids: 1 })
  const halfB = make('half-b', { success_rate: 0.5, failed_guids: 4 })
  const halfC = make('half-c', { success_rate: 0.5, failed_guids: 1 })
  const input = [idle, quiet, halfC, busy, halfA, halfB]
  expect(worstReportsFirst(input).map((report) => report.target)).toEqual([
    'repository octo/hello', // streak 2
    'half-b', // 0.5, 4 failed guids
    'half-a', // 0.5, 1 failed guid, by target
    'half-c',
    'organization octo', // 1
    'app octo-app' // no rate
  ])
  expect(input[0]).toBe(idle) // not sorted in place
})

describe('hourlySeries', () => {
  test('one bucket per UTC hour of the window over all hooks; an hour without delivery has p95 null', () => {
    expect(series).toEqual({
      hours: ['07:00', '08:00', '09:00', '10:00', '11:00', '12:00'],
      starts: ['07', '08', '09', '10', '11', '12'].map((hh) => `2026-06-12T${hh}:00:00.000Z`),
      // 07: g0 and q1 are before since; 08: g1; 09: g2, g3; 10: g2 again, g5; 11: g8, g4, i1; 12: g6 (g7 at until is out)
      succeeded: [0, 1, 0, 2, 2, 0],
      failed: [0, 0, 2, 0, 1, 1],
      // nearest rank: 09 {1.5, 10} → the 2nd; 11 {0.3, 2, 0.1} → the 3rd
      p95: [null, 0.2, 10, 0.4, 2, 9.5]
    })
  })

  test('at most the newest 72 hours; more than 24 hours carry the date in their label', () => {
    const long = { since: new Date('2026-06-08T00:00:00Z'), until: new Date('2026-06-12T12:15:00Z') }
    const early = delivery('e1', '2026-06-09T12:59:59Z', 200, 'OK', 1) // before the first hour kept
    const first = delivery('e2', '2026-06-09T13:00:00Z', 500, 'Internal Server Error', 2)
    const series = hourlySeries([early, first, g6], long)
    expect(series.hours).toHaveLength(MAX_HOURS)
    expect(series.hours[0]).toBe('06-09 13:00') // 72 h before the end of the 12:00 hour
    expect(series.hours.at(-1)).toBe('06-12 12:00')
    expect(new Set(series.hours).size).toBe(MAX_HOURS)
    expect(series.failed[0]).toBe(1)
    expect(series.succeeded.reduce((a, b) => a + b)).toBe(0)
    expect(series.failed.reduce((a, b) => a + b)).toBe(2)

    const day = (until: string): string[] => hourlySeries([], { since: new Date('2026-06-12T00:00:00Z'), until: new Date(until) }).hours
    expect(day('2026-06-13T00:00:00Z')).toHaveLength(24)
    expect(day('2026-06-13T00:00:00Z')[23]).toBe('23:00')
    expect(day('2026-06-13T00:00:01Z')).toHaveLength(25)
    expect(day('2026-06-13T00:00:01Z')[24]).toBe('06-13 00:00')
  })

  test('a window that does not end after it starts is refused', () => {
    expect(() => hourlySeries([], { since: span.until, until: span.since })).toThrow(RangeError)
    expect(() => hourlySeries([], { since: span.since, until: span.since })).toThrow(RangeError)
    expect(() => hourlySeries([], { since: new Date('nope'), until: span.until })).toThrow(RangeError)
  })
})

/** The series of the three hooks over the window, as the summary charts it. */
const series = hourlySeries([...busyDeliveries, i1, q1], span)

describe('charts', () => {
  test('deliveries per hour: all deliveries behind the failed ones; p95 per hour with 0 for an empty hour', () => {
    const bars = deliveriesChart(series)
    expect(bars.startsWith('```mermaid\nxychart-beta\n')).toBe(true)
    expect(bars.endsWith('\n```')).toBe(true)
    expect(bars).toContain('x-axis "Hour (UTC)" ["07:00", "08:00", "09:00", "10:00", "11:00", "12:00"]')
    expect(bars).toContain('y-axis "Deliveries" 0 --> 3')
    expect(bars).toContain('bar [0, 1, 2, 2, 3, 1]') // succeeded + failed
    expect(bars).toContain('bar [0, 0, 2, 0, 1, 1]') // failed, in front
    expect(bars.indexOf('bar [0, 1')).toBeLessThan(bars.indexOf('bar [0, 0'))
    expect(bars).toContain('"plotColorPalette": "#2da44e, #cf222e"')
    const line = durationChart(series)
    expect(line).toContain('y-axis "Seconds" 0 --> 10')
    expect(line).toContain('line [0, 0.2, 10, 0.4, 2, 9.5]')
  })

  test('numbers are plain, titles safe, and a malformed series is refused', () => {
    expect([1e-7, 0.0005, 2.5e3, 1 / 3, -0, NaN, Infinity].map(plainNumber)).toEqual(['0', '0.001', '2500', '0.333', '0', '0', '0'])
    expect(mermaidString('a "b" `c` #35; 50% <i>x</i>\n```')).toBe(`"a b c 35 50 i x /i"`)
    expect(() => deliveriesChart({ ...series, failed: [1] })).toThrow(RangeError)
    expect(() => durationChart({ ...series, hours: series.hours.map(() => '10:00') })).toThrow(/repeat/)
    expect(() => durationChart({ hours: [], starts: [], succeeded: [], failed: [], p95: [] })).toThrow(RangeError)
  })
})

/**
 * Mermaid's parser: `mermaid.parse` of the package GitHub's renderer uses. It needs a DOM (DOMPurify,
 * which sanitizes titles, is built from `window` when mermaid loads): a happy-dom window is put on
 * the globals before mermaid is imported.
 */
describe('Mermaid accepts the charts', () => {
  let dom: Window
  let parse: (text: string) => Promise<unknown>
  beforeAll(async () => {
    dom = new Window()
    Object.assign(globalThis, { window: dom, document: dom.document })
    const { default: mermaid } = await import('mermaid')
    mermaid.initialize({ startOnLoad: false })
    parse = (text) => mermaid.parse(text)
  })
  afterAll(async () => {
    await dom.happyDOM.close()
  })

  /** The diagram inside a fenced block, after checking every series has one value per category. */
  function diagram(block: string): string {
    const lines = block.split('\n')
    expect(lines[0]).toBe('```mermaid')
    expect(lines.at(-1)).toBe('```')
    const body = lines.slice(1, -1)
    expect(body.some((line) => line.includes('```'))).toBe(false)
    const categories = /x-axis "[^"]*" \[(.*)\]$/.exec(body.find((line) => line.includes('x-axis')) ?? '')?.[1].split('", "') ?? []
    const plots = body.filter((line) => /^\s*(bar|line) \[/.test(line))
    expect(plots.length).toBeGreaterThan(0)
    for (const plot of plots) expect(plot.slice(plot.indexOf('[') + 1, -1).split(', ')).toHaveLength(categories.length)
    return body.join('\n')
  }

  test('every chart the action can write parses, its color directive read', async () => {
    const zero: HourlySeries = { hours: ['00:00'], starts: [''], succeeded: [0], failed: [0], p95: [null] }
    const long = hourlySeries([delivery('l1', '2026-06-11T03:04:05Z', 200, 'OK', 0.0000001)], {
      since: new Date('2026-06-01T00:00:00Z'),
      until: new Date('2026-06-12T12:15:00Z')
    })
    const nasty = { title: 'Deliveries "now" #35; 50% <b>x</b> ; `x` ```\nnext line: (ok) é 漢字' }
    const blocks = [series, zero, long].flatMap((each) => [
      deliveriesChart(each),
      durationChart(each),
      deliveriesChart(each, nasty),
      durationChart(each, nasty)
    ])
    for (const block of blocks) {
      const result = await parse(diagram(block))
      expect(result).toMatchObject({ diagramType: 'xychart', config: { themeVariables: { xyChart: { plotColorPalette: expect.any(String) } } } })
    }
  })

  test('the check can fail: Mermaid refuses malformed charts', async () => {
    const good = diagram(deliveriesChart(series))
    await expect(parse(good)).resolves.toBeTruthy()
    const broken = [
      good.replace('title "', 'title "say "hi" '), // a quote inside the title
      good.replace(/bar \[[^\]]*\]/, 'bar [1, null, 3]'), // null is no number
      good.replace(/bar \[[^\]]*\]/, 'bar [2.5e3]'), // nor an exponent
      good.replace('"07:00", ', '"07:00" '), // a comma missing
      good.replace('xychart-beta', 'xychart-alpha')
    ]
    for (const text of broken) {
      expect(text).not.toBe(good)
      await expect(parse(text)).rejects.toThrow()
    }
  })
})
