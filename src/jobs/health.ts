/**
 * Delivery health (`operation: report`): pure figures computed from the deliveries the REST API lists
 * for each hook ("List deliveries for a … webhook", REST schema `hook-delivery-item`), within a time
 * window. Nothing here calls the API.
 *
 * Conventions, for every function of this module:
 * - The window is half-open: a delivery counts when `since ≤ delivered_at < until`. A delivery whose
 *   `delivered_at` does not parse is outside every window.
 * - A delivery succeeded when its receiver answered 2xx ({@link succeeded}); status code 0 ("failed to
 *   connect", a timeout) is a failure.
 * - Durations are the API's `duration`, in SECONDS; so are all duration figures here.
 * - Percentiles are nearest-rank ({@link nearestRank}): always one of the values measured, never an
 *   interpolation.
 */
import { failedGuids, succeeded } from './deliveries.js'
import type { DeliveryItem } from '../model.js'

/** A time window: deliveries with `since ≤ delivered_at < until` count. */
export interface ReportWindow {
  since: Date
  until: Date
}

/** The hook a report is about, as the caller names it. */
export interface HookInfo {
  /** The target, as `describeTarget` writes it (`repository octo/hello`, `organization octo`, …). */
  target: string
  /** The hook's id; undefined for a GitHub App's webhook (which has none). */
  hook_id?: number
  /** The hook's `config.url`. */
  url: string
  /** The hook's `active`. */
  active: boolean
}

/** The delivery health of one hook over a window (see {@link hookReport}). */
export interface HookReport {
  /** The target, e.g. `repository octo/hello`. */
  target: string
  /** The hook's id; undefined for a GitHub App's webhook. */
  hook_id: number | undefined
  url: string
  active: boolean
  /** Deliveries in the window (every attempt, redeliveries included). */
  deliveries: number
  /** Distinct `guid`s among them (an event and its redeliveries share one). */
  guids: number
  /**
   * Guids none of whose attempts in the window got a 2xx, as `failedGuids` of src/jobs/deliveries.ts counts
   * them: a guid that failed and was later redelivered with a 2xx is not failed.
   */
  failed_guids: number
  /** `(guids - failed_guids) / guids`, a fraction in [0, 1] (not a percentage); null when there is no guid. */
  success_rate: number | null
  /** Median delivery duration, SECONDS, nearest-rank over the deliveries; null when there is none. */
  duration_p50: number | null
  /** 95th percentile of the delivery durations, SECONDS, nearest-rank; null when there is no delivery. */
  duration_p95: number | null
  /** Longest delivery duration, SECONDS; null when there is no delivery. */
  duration_max: number | null
  /** `delivered_at` (ISO 8601, as the API gave it) of the newest 2xx delivery; null when none succeeded. */
  last_success: string | null
  /** Failed deliveries in a row at the head (newest first), up to the newest success; 0 when the newest succeeded. */
  failing_streak: number
  /**
   * Failed deliveries (every non-2xx attempt, including those of guids later redelivered with a 2xx)
   * by `` `${status_code} ${status}` `` (`'502 Bad Gateway'`, `'0 failed to connect'`); most frequent first.
   */
  failures_by_status: Record<string, number>
  /** Deliveries by `event` (`push`, `ping`, …); most frequent first. */
  by_event: Record<string, number>
  /** True when the hook is not active (`active: false`). */
  inactive: boolean
  /** True when the hook had no delivery in the window. */
  quiet: boolean
}

/** Per-hour delivery figures over all hooks (see {@link hourlySeries}); the arrays have one entry per hour. */
export interface HourlySeries {
  /**
   * The hours' labels, UTC: `HH:00` (`'09:00'`) when the series has at most 24 hours; with more, where
   * `HH:00` would repeat, `MM-DD HH:00` (`'06-12 09:00'`) for every hour. Always distinct.
   */
  hours: string[]
  /** The start of each hour, ISO 8601 (`2026-06-12T09:00:00.000Z`). */
  starts: string[]
  /** Deliveries that got a 2xx in each hour. */
  succeeded: number[]
  /** Deliveries that did not get a 2xx in each hour (status code 0 included). */
  failed: number[]
  /** 95th percentile (nearest-rank) of the durations of each hour's deliveries, SECONDS; null for an hour without delivery. */
  p95: (number | null)[]
}

/** At most this many hours in a {@link hourlySeries}: the newest ones. 72 h covers github.com's 3-day delivery retention. */
export const MAX_HOURS = 72

const HOUR_MS = 3_600_000

/**
 * The nearest-rank `p`th percentile of `values`: the smallest value such that at least `p` % of the
 * values are ≤ it, i.e. the `⌈p·n/100⌉`th smallest (p50 of `[1, 2, 3, 4]` is 2, p95 of 20 values
 * the 19th smallest, p100 the largest).
 * @param values any order; not modified
 * @param p in (0, 100]
 * @returns one of `values`, or null when `values` is empty
 * @throws RangeError when `p` is outside (0, 100]
 */
export function nearestRank(values: readonly number[], p: number): number | null {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile ${p} is outside (0, 100]`)
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  // p·n is exact for the integer p used here, so the quotient is not pushed past an integer by rounding.
  return sorted[Math.max(0, Math.ceil((p * sorted.length) / 100) - 1)]
}

/** True when the delivery's `delivered_at` lies in the half-open window. */
function inWindow(delivery: DeliveryItem, window: ReportWindow): boolean {
  const time = Date.parse(delivery.delivered_at)
  return time >= window.since.getTime() && time < window.until.getTime()
}

/** Newest first: by `delivered_at`, then by id (ids grow with time; deliveries of one second are told apart by it). */
function newestFirst(a: DeliveryItem, b: DeliveryItem): number {
  return Date.parse(b.delivered_at) - Date.parse(a.delivered_at) || Number(b.id) - Number(a.id)
}

/** Counts by key, most frequent first, then by key; an own-property object whatever the keys. */
function tally(keys: readonly string[]): Record<string, number> {
  const counts = new Map<string, number>()
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1)
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)))
}

/**
 * The delivery health of one hook: every figure of {@link HookReport} over the deliveries within
 * `window` (half-open, `since ≤ delivered_at < until`; the others are ignored).
 * @param info the hook as the caller names it; copied into the report
 * @param deliveries the hook's deliveries as the API lists them (newest first; the order is not relied on)
 * @param window the time window
 * @returns the report; a hook without delivery in the window is `quiet`, with null rate, durations and last success
 */
export function hookReport(info: HookInfo, deliveries: readonly DeliveryItem[], window: ReportWindow): HookReport {
  const inside = deliveries.filter((delivery) => inWindow(delivery, window)).sort(newestFirst)
  const guids = new Set(inside.map((delivery) => delivery.guid)).size
  const failed_guids = failedGuids(inside).length
  const durations = inside.map((delivery) => delivery.duration).filter((duration) => Number.isFinite(duration))
  const failures = inside.filter((delivery) => !succeeded(delivery))
  const streak = inside.findIndex(succeeded)
  return {
    target: info.target,
    hook_id: info.hook_id,
    url: info.url,
    active: info.active,
    deliveries: inside.length,
    guids,
    failed_guids,
    success_rate: guids === 0 ? null : (guids - failed_guids) / guids,
    duration_p50: nearestRank(durations, 50),
    duration_p95: nearestRank(durations, 95),
    duration_max: durations.length === 0 ? null : Math.max(...durations),
    last_success: inside.find(succeeded)?.delivered_at ?? null,
    failing_streak: streak === -1 ? inside.length : streak,
    failures_by_status: tally(failures.map((delivery) => `${delivery.status_code} ${delivery.status}`.trim())),
    by_event: tally(inside.map((delivery) => delivery.event)),
    inactive: !info.active,
    quiet: inside.length === 0
  }
}

/**
 * The success rate over every guid of every hook: `Σ (guids - failed_guids) / Σ guids`, a fraction in
 * [0, 1]. An event delivered to two hooks has one guid but counts once per hook (two deliveries to
 * get through). Null when no hook has a guid.
 */
export function overallSuccessRate(reports: readonly HookReport[]): number | null {
  const guids = reports.reduce((sum, report) => sum + report.guids, 0)
  const failed = reports.reduce((sum, report) => sum + report.failed_guids, 0)
  return guids === 0 ? null : (guids - failed) / guids
}

/**
 * The reports, worst hook first (a new array; `reports` is not modified). Order:
 * 1. longest `failing_streak` first (a hook failing right now);
 * 2. lowest `success_rate` first; hooks without a rate (no guid: quiet) after every hook with one;
 * 3. most `failed_guids` first;
 * 4. then, as a tie-break, `target`, `url` and `hook_id` ascending, so the order is deterministic.
 */
export function worstReportsFirst(reports: readonly HookReport[]): HookReport[] {
  const rate = (report: HookReport): number => report.success_rate ?? Infinity
  const text = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
  return [...reports].sort(
    (a, b) =>
      b.failing_streak - a.failing_streak ||
      (rate(a) === rate(b) ? 0 : rate(a) < rate(b) ? -1 : 1) ||
      b.failed_guids - a.failed_guids ||
      text(a.target, b.target) ||
      text(a.url, b.url) ||
      (a.hook_id ?? -1) - (b.hook_id ?? -1)
  )
}

/** `HH:00` or `MM-DD HH:00` of an hour's start, UTC. */
function hourLabel(start: number, withDate: boolean): string {
  const iso = new Date(start).toISOString() // 2026-06-12T09:00:00.000Z
  return `${withDate ? `${iso.slice(5, 10)} ` : ''}${iso.slice(11, 13)}:00`
}

/**
 * Deliveries per hour over all hooks (for the charts of the job summary). The hours are whole UTC
 * hours, from the one holding `since` to the one holding the last instant before `until`; when that
 * makes more than {@link MAX_HOURS} (72), only the newest 72 are kept and older deliveries are left
 * out. A delivery counts in the hour holding its `delivered_at`, when it lies in the window
 * (`since ≤ delivered_at < until`). `succeeded` and `failed` count deliveries (every attempt), not
 * guids; `p95` is nearest-rank over the hour's durations, in SECONDS, null for an hour without delivery.
 * @param deliveries any hooks' deliveries, any order
 * @returns one entry per hour in every array (at least one hour)
 * @throws RangeError when `since` or `until` is not a valid date, or `until` is not after `since`
 */
export function hourlySeries(deliveries: readonly DeliveryItem[], window: ReportWindow): HourlySeries {
  const since = window.since.getTime()
  const until = window.until.getTime()
  if (Number.isNaN(since) || Number.isNaN(until) || until <= since) {
    throw new RangeError(`hourlySeries: the window must end after it starts (since ${window.since}, until ${window.until})`)
  }
  const end = Math.ceil(until / HOUR_MS) * HOUR_MS // the end of the hour holding until's last instant
  const first = Math.max(Math.floor(since / HOUR_MS) * HOUR_MS, end - MAX_HOURS * HOUR_MS)
  const count = (end - first) / HOUR_MS
  const starts = Array.from({ length: count }, (_, index) => first + index * HOUR_MS)
  const ok = new Array<number>(count).fill(0)
  const failed = new Array<number>(count).fill(0)
  const durations = starts.map((): number[] => [])
  for (const delivery of deliveries) {
    const time = Date.parse(delivery.delivered_at)
    if (!(time >= Math.max(since, first) && time < until)) continue
    const index = Math.floor((time - first) / HOUR_MS)
    if (succeeded(delivery)) ok[index] += 1
    else failed[index] += 1
    if (Number.isFinite(delivery.duration)) durations[index].push(delivery.duration)
  }
  return {
    hours: starts.map((start) => hourLabel(start, count > 24)),
    starts: starts.map((start) => new Date(start).toISOString()),
    succeeded: ok,
    failed,
    p95: durations.map((values) => nearestRank(values, 95))
  }
}

/** Deliveries as one target's `report` listed them, with the window its figures cover. */
export interface WindowedDeliveries {
  /** The target's deliveries, any hooks, any order (may hold some outside `window`). */
  deliveries: readonly DeliveryItem[]
  /** The window the target's figures ({@link hookReport}) cover. */
  window: ReportWindow
}

/**
 * The window that covers every one of `windows`: from the earliest `since` to the latest `until`
 * (a fleet run's targets each end their window when they start, so the windows differ).
 * @throws RangeError when `windows` is empty
 */
export function coveringWindow(windows: readonly ReportWindow[]): ReportWindow {
  if (windows.length === 0) throw new RangeError('coveringWindow: no window')
  const since = Math.min(...windows.map((window) => window.since.getTime()))
  const until = Math.max(...windows.map((window) => window.until.getTime()))
  return { since: new Date(since), until: new Date(until) }
}

/**
 * Deliveries per hour over the reports of a whole run (every target of a fleet run, or the one of a
 * single-target run), for the charts of the job summary: each target's deliveries count within ITS
 * window, exactly those its figures count, on the hours of the window covering them all
 * ({@link coveringWindow}). So every delivery in a report's figures is in the series, whichever
 * target it belongs to — as long as it is within the newest {@link MAX_HOURS} hours (see
 * {@link hourlySeries}, whose shapes and units this returns).
 * @throws RangeError when `parts` is empty, or the covering window does not end after it starts
 */
export function runSeries(parts: readonly WindowedDeliveries[]): HourlySeries {
  const window = coveringWindow(parts.map((part) => part.window))
  return hourlySeries(
    parts.flatMap((part) => part.deliveries.filter((delivery) => inWindow(delivery, part.window))),
    window
  )
}
