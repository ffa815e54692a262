/**
 * Mermaid charts of an {@link HourlySeries} for the job summary, where GitHub renders a fenced
 * ```` ```mermaid ```` block as a diagram. Both are `xychart-beta` charts with one category per hour.
 *
 * What the text relies on, checked against Mermaid's own parser in __tests__/report.test.ts:
 * - Mermaid draws the bars of every `bar` series of an xychart at the same place, one over the other
 *   (it has no stacked or grouped bars). So the deliveries chart draws ALL deliveries of the hour
 *   first (green) and the failed ones in front (red): each bar reads as a stack, red failed at the
 *   bottom, green succeeded above it, its height the hour's total.
 * - The colors come from an `%%{init: …}%%` directive (`themeVariables.xyChart.plotColorPalette`),
 *   written on the line after `xychart-beta` (Mermaid reads directives anywhere in the text), so each
 *   block starts with ```` ```mermaid ```` then `xychart-beta`.
 * - The y axis is given from 0 (Mermaid would otherwise start it at the smallest value plotted).
 * - Numbers are written plainly (`0.25`, never `2.5e-1`): Mermaid's grammar has no exponent and no null.
 * - Titles are quoted and keep only characters that cannot end the string or the block.
 */
import type { HourlySeries } from '../jobs/index.js'

/** GitHub's (Primer) green, red and blue: succeeded, failed, durations. */
const GREEN = '#2da44e'
const RED = '#cf222e'
const BLUE = '#0969da'

/** Options of a chart. */
export interface ChartOptions {
  /** The chart's title; characters other than letters, digits, spaces and `. , : ( ) / + - _ '` become spaces. */
  title?: string
}

/**
 * A number as Mermaid's xychart grammar takes it: rounded to 3 decimals (a millisecond for
 * seconds), no exponent; not finite (NaN, ±Infinity): 0.
 */
export function plainNumber(value: number): string {
  if (!Number.isFinite(value)) return '0'
  const rounded = Math.round(value * 1000) / 1000
  const text = String(rounded === 0 ? 0 : rounded) // no `-0`
  return /e/i.test(text) ? rounded.toFixed(3) : text
}

/**
 * A quoted Mermaid string: letters (any script), digits, spaces and `. , : ( ) / + - _ '` kept; every
 * other character (`"`, backticks, `#`, `%`, `;`, `<`, `>`, `&`, brackets, line breaks, …) becomes a
 * space, then runs of spaces become one. So `"`, a `#…;` entity, a `%%` comment or a closing fence
 * cannot appear inside.
 */
export function mermaidString(text: string): string {
  const safe = text
    .replace(/[^\p{L}\p{N} .,:()/+\-_']/gu, ' ')
    .replace(/ {2,}/g, ' ')
    .trim()
  return `"${safe}"`
}

/** The hours as the x axis's categories, after checking the series' shape. */
function xAxis(series: HourlySeries, values: readonly unknown[][]): string {
  const { hours } = series
  if (hours.length === 0) throw new RangeError('chart: the series has no hour')
  if (values.some((list) => list.length !== hours.length)) throw new RangeError('chart: the series arrays differ in length')
  // Mermaid merges equal categories into one band, which would draw two hours' bars on top of each other.
  if (new Set(hours).size !== hours.length) throw new RangeError('chart: the hour labels repeat')
  return `x-axis "Hour (UTC)" [${hours.map(mermaidString).join(', ')}]`
}

/** The top of a y axis starting at 0: the largest value, or 1 when every value is 0. */
function yMax(values: readonly number[]): string {
  const max = Math.max(0, ...values.filter(Number.isFinite))
  return plainNumber(max > 0 ? Math.ceil(max * 1000) / 1000 : 1)
}

/** The fenced block of one chart. */
function fenced(palette: string, lines: readonly string[]): string {
  const init = `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${palette}"}}}}%%`
  return ['```mermaid', 'xychart-beta', `    ${init}`, ...lines.map((line) => `    ${line}`), '```'].join('\n')
}

/**
 * Deliveries per hour, succeeded vs failed, as a fenced Mermaid block (```` ```mermaid ```` …
 * ```` ``` ````, no trailing newline): an `xychart-beta` whose two `bar` series overlap into a stack,
 * all deliveries (green) behind the failed ones (red); the y axis from 0 to the busiest hour's total.
 * @param series from `hourlySeries`; `succeeded` and `failed` are counts of deliveries
 * @param options.title default `Deliveries per hour (UTC): green succeeded, red failed`
 * @throws RangeError when the series has no hour, arrays of different lengths, or repeated hour labels
 */
export function deliveriesChart(series: HourlySeries, options: ChartOptions = {}): string {
  const axis = xAxis(series, [series.succeeded, series.failed])
  const total = series.succeeded.map((ok, index) => ok + series.failed[index])
  return fenced(`${GREEN}, ${RED}`, [
    `title ${mermaidString(options.title ?? 'Deliveries per hour (UTC): green succeeded, red failed')}`,
    axis,
    `y-axis "Deliveries" 0 --> ${yMax(total)}`,
    `bar [${total.map(plainNumber).join(', ')}]`,
    `bar [${series.failed.map(plainNumber).join(', ')}]`
  ])
}

/**
 * The 95th percentile of the delivery durations per hour, in SECONDS (3 decimals), as a fenced
 * Mermaid block: an `xychart-beta` `line`. An hour without delivery (p95 null) is plotted as 0,
 * since a Mermaid line has a value for every category; the y axis runs from 0 to the largest p95.
 * @param series from `hourlySeries`
 * @param options.title default `Delivery duration p95 per hour (UTC), seconds`
 * @throws RangeError when the series has no hour, arrays of different lengths, or repeated hour labels
 */
export function durationChart(series: HourlySeries, options: ChartOptions = {}): string {
  const axis = xAxis(series, [series.p95])
  const p95 = series.p95.map((value) => value ?? 0)
  return fenced(BLUE, [
    `title ${mermaidString(options.title ?? 'Delivery duration p95 per hour (UTC), seconds')}`,
    axis,
    `y-axis "Seconds" 0 --> ${yMax(p95)}`,
    `line [${p95.map(plainNumber).join(', ')}]`
  ])
}
