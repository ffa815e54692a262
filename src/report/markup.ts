/**
 * The job summary's markup and the wording of counts: escaped and redacted text, code, table rows,
 * and the one write of a summary, redacted as a whole. Every other module of this folder builds on it.
 */
import type * as core from '@actions/core'
import { redact } from '../github/index.js'

/** A row of a job-summary table. */
export type SummaryTableRow = Parameters<typeof core.summary.addTable>[0][number]

/** The job summary being written (`core.summary`), for an operation to add its section to. */
export type Summary = typeof core.summary

/** A header row of a table: each cell a `<th>`. */
export const header = (...cells: string[]): SummaryTableRow => cells.map((data) => ({ data, header: true }))

/** Text (redacted, HTML-escaped, see {@link escape}) in a `<code>` element; '' stays ''. */
export function code(text: string): string {
  return text === '' ? '' : `<code>${escape(text)}</code>`
}

/**
 * Makes text safe for the summary's HTML: redacts it first (`redact`: masked values, URL
 * credentials), then escapes `& < > " '`. In this order, no escaped form of a secret (`Pa&#38;ss`)
 * can slip past redaction; the whole summary is redacted once more before it is written.
 */
export function escape(text: string): string {
  return redact(text).replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}

/**
 * Appends the summary to the job summary with every masked value (secret, token, URL credentials)
 * redacted. An empty table cell is closed (`<td></td>`): `@actions/core` writes an empty one as a
 * lone `<td>`.
 */
export async function writeRedacted(summary: Summary): Promise<void> {
  const text = redact(summary.stringify()).replace(/<(td|th)>(?=<(?:td|th)\b|<\/tr>)/g, '<$1></$1>')
  await summary.emptyBuffer().addRaw(text).write()
}

/** Outside a runner (no `GITHUB_STEP_SUMMARY`), there is no job summary to write. */
export function hasSummaryFile(): boolean {
  return Boolean(process.env.GITHUB_STEP_SUMMARY)
}

/** The rows that fit in `budget` bytes (measured as their cells' UTF-8 length plus the tags), in order. */
export function rowsWithin(rows: readonly SummaryTableRow[], budget: number): SummaryTableRow[] {
  let used = 0
  const kept: SummaryTableRow[] = []
  for (const row of rows) {
    used += row.reduce((sum, cell) => sum + Buffer.byteLength(typeof cell === 'string' ? cell : cell.data) + 9, 9)
    if (used > budget) break
    kept.push(row)
  }
  return kept
}

/** `1 webhook`, `2 webhooks`, `0 deliveries`: a count with its noun in the right number. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`
}

/** A rate as a percentage with one decimal (`97.5 %`), or `n/a` when there is none. */
export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? 'n/a' : `${(Math.round(rate * 1000) / 10).toString()} %`
}
