/**
 * What a run says while it goes and when it ends: a line per target as it finishes, a progress line
 * when nothing else was logged for a while, and how the run was paced.
 */
import * as core from '@actions/core'
import { GITHUB_LIMITS, REASON_TEXT, redact, type PacingStats, type PauseReason } from '../github/index.js'
import type { TargetResult } from '../jobs/index.js'
import { escape, hasSummaryFile, writeRedacted } from './markup.js'

/** Logs a target's result as it finishes: `[37/1000] octo-org/api: unchanged (hook 12)`, why it failed, and its warning or notice. */
export function logResult(result: TargetResult, done: number, total: number): void {
  const hook = result.hook_id === undefined ? '' : ` (hook ${result.hook_id})`
  const why = result.error === undefined ? '' : ` — ${result.error.split('\n')[0]}`
  core.info(redact(`[${done}/${total}] ${result.name}: ${result.result}${hook}${why}`))
  if (result.operation?.warning) core.warning(redact(`${result.name}: ${result.operation.warning}`))
  if (result.operation?.notice) core.notice(redact(`${result.name}: ${result.operation.notice}`))
}

/**
 * How the run was paced, one line for the log and the job summary: requests and points sent, the
 * busiest minute against GitHub's 900 points per endpoint, the summed response time of the busiest
 * minute against GitHub's 90 s of CPU time (against the run's own larger budget, saying so, when
 * `ghes_rate_limit_factor` raised it), and every wait GitHub asked for (seconds and why).
 * @param elapsed_ms the run's wall time, in MILLISECONDS
 */
export function pacingLine(stats: PacingStats, elapsed_ms: number): string {
  const n = (value: number): string => value.toLocaleString('en-US')
  const seconds = (ms: number): string => (ms / 1000).toFixed(1)
  const count = (value: number, noun: string): string => `${n(value)} ${noun}${value === 1 ? '' : 's'}`
  // With ghes_rate_limit_factor above 1 the run's own budget is larger than GitHub.com's limits: the
  // line compares with that budget, so that a busy minute within it does not read as a breach.
  const raised = stats.budget.points_per_minute > GITHUB_LIMITS.points_per_minute
  const allowed = raised
    ? ` (within this run's budget of ${n(stats.budget.points_per_minute)} per endpoint, raised by ghes_rate_limit_factor; GitHub.com allows ${n(GITHUB_LIMITS.points_per_minute)})`
    : ` (GitHub allows ${n(GITHUB_LIMITS.points_per_minute)} per endpoint)`
  const allowedMs = raised
    ? ` (within this run's budget of ${seconds(stats.budget.response_ms_per_minute)} s; GitHub.com allows ${GITHUB_LIMITS.response_ms_per_minute / 1000} s)`
    : ` (GitHub allows ${GITHUB_LIMITS.response_ms_per_minute / 1000} s)`
  const busiest =
    stats.busiest_route === undefined
      ? ''
      : `; busiest minute: ${count(stats.busiest_minute_points, 'point')} on ${stats.busiest_route}${allowed}, ${seconds(stats.busiest_minute_response_ms)} s of response time${allowedMs}`
  const waits = Object.entries(stats.waited_s).map(([reason, seconds]) => `waited ${seconds} s: ${REASON_TEXT[reason as PauseReason]}`)
  const refused = Object.values(stats.refusals).reduce((sum, count) => sum + (count ?? 0), 0)
  const tail = [refused > 0 ? `${refused} refused by GitHub` : 'none refused by GitHub', ...waits].join('; ')
  return `Paced: ${count(stats.requests, 'request')} (${count(stats.points, 'point')}) in ${(elapsed_ms / 1000).toFixed(1)} s${busiest}; ${tail}.`
}

/** Logs {@link pacingLine} and appends it to the job summary, with the run's stop if GitHub stopped it. */
export async function writePacing(stats: PacingStats, elapsed_ms: number): Promise<void> {
  const line = pacingLine(stats, elapsed_ms)
  core.info(redact(line))
  if (!hasSummaryFile()) return
  const summary = core.summary.addRaw(`<p>⏱️ ${escape(line)}</p>`, true)
  if (stats.stopped) summary.addRaw(`<p>🛑 ${escape(stats.stopped)}</p>`, true)
  await writeRedacted(summary)
}

/**
 * Logs a line every `every_ms` MILLISECONDS in which nothing else was logged by `logResult`:
 * how far the run is, and the wait GitHub asked for if one is in force. Returns the function that
 * stops it.
 * @param status what to say: e.g. `120 of 1,000 repositories done, 131 requests sent`
 */
export function progressTicker(status: () => string, every_ms = 10_000): { stop: () => void; touch: () => void } {
  let last = Date.now()
  const timer = setInterval(() => {
    if (Date.now() - last < every_ms - 50) return
    last = Date.now()
    core.info(redact(`Still running: ${status()}`))
  }, every_ms / 10)
  timer.unref()
  return { stop: () => clearInterval(timer), touch: () => (last = Date.now()) }
}
