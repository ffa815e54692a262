/**
 * `inventory`: every hook of every target with its findings (../jobs/inventory.ts), the worst first:
 * outputs `inventory`, `finding_counts`, `hooks_count` and the CSV `inventory_file`; a job summary
 * that stays under GitHub's 1 MiB however many hooks there are; with `fail_on`, a failed step naming
 * the hooks with those findings.
 */
import * as core from '@actions/core'
import { writeFileSync } from 'node:fs'
import { describeTarget, redact } from '../github/index.js'
import {
  findingCounts,
  FINDING_TEXT,
  hostCounts,
  hostLabel,
  inventoryCsv,
  inventoryTarget,
  lastResponseText,
  worstHooksFirst,
  type InventoryHook,
  type TargetResult
} from '../jobs/index.js'
import { FINDINGS, type WebhookRequest } from '../model.js'
import {
  code,
  count,
  describeTargets,
  escape,
  FAILURES_LISTED,
  hasSummaryFile,
  header,
  ROWS_SHOWN,
  rowsWithin,
  writeRedacted,
  type SummaryTableRow
} from '../report/index.js'
import type { OperationModule } from './operation.js'

export const inventory: OperationModule = {
  inputs: {
    // Every hook of each target, with what is wrong with each; reads only.
    needs: [],
    uses: ['inventory_file', 'fail_on'],
    trait: 'hooks',
    writes: 'never',
    coversOrg: true
  },
  run: async (client, { target }) => {
    const found = await inventoryTarget(client, target)
    return { message: `${count(found.length, 'webhook')} of ${describeTarget(target)} inventoried.`, outcome: 'inventoried', inventory: found }
  },
  fleetOnly: true,
  finish: (request, results) => writeInventory(request, results)
}

/**
 * `inventory`: sets the outputs — `inventory` (JSON, one item per hook: where, target, hook_id, url
 * with credentials redacted, events, settings, whether a secret is set, times, last response,
 * findings), `finding_counts`, `hooks_count` and `inventory_file` (the CSV, written to
 * `request.inventory_file`) — and writes the job summary ({@link writeInventorySummary}).
 * @returns the step's failure when a hook has a finding listed in `fail_on`, else undefined
 */
async function writeInventory(request: WebhookRequest, results: readonly TargetResult[]): Promise<string | undefined> {
  const all = worstHooksFirst(results.flatMap((result) => result.operation?.inventory ?? []))
  const counts = findingCounts(all)
  core.setOutput('inventory', redact(JSON.stringify(all)))
  core.setOutput('finding_counts', JSON.stringify(counts))
  core.setOutput('hooks_count', String(all.length))
  // The URLs are redacted already (src/jobs/inventory.ts); redact() over CSV text would read past a URL's comma.
  writeFileSync(request.inventory_file, inventoryCsv(all))
  core.setOutput('inventory_file', request.inventory_file)
  const flagged = all.filter((hook) => hook.findings.length > 0)
  core.info(redact(`${count(all.length, 'webhook')}, ${flagged.length} with findings; the CSV is ${request.inventory_file}.`))
  if (hasSummaryFile()) await writeInventorySummary(request, all, counts)
  const failing = request.fail_on.filter((finding) => counts[finding] > 0)
  if (failing.length === 0) return undefined
  const which = all.filter((hook) => hook.findings.some((finding) => failing.includes(finding))).slice(0, FAILURES_LISTED)
  return [
    `${failing.map((finding) => `${counts[finding]} ${finding}`).join(', ')} (fail_on):`,
    ...which.map((hook) => {
      // A failing hook says what its receiver answered (e.g. "misconfigured: Invalid HTTP Response: 404").
      const last = hook.findings.includes('failing') ? ` (last response: ${lastResponseText(hook.last_response)})` : ''
      return `- ${hook.where} ${hook.target} hook ${hook.hook_id} (${hook.url || hostLabel(hook)}): ${hook.findings.join(', ')}${last}`
    })
  ].join('\n')
}

/**
 * Bytes of HTML the inventory's hooks table may take in the job summary. GitHub drops a step's job
 * summary over 1 MiB whole (docs "Workflow commands › Adding a job summary": "the maximum size is 1MiB
 * per step"), and the fleet table ({@link FLEET_ROWS_BYTES}) and the pacing line follow it in the same step.
 */
export const INVENTORY_ROWS_BYTES = 384 * 1024

/** Bytes of HTML the host list of the inventory may take in the job summary. */
const HOST_LINES_BYTES = 64 * 1024

/**
 * The job summary of `inventory`: counts by finding, the hooks with findings first (worst first; rows
 * after {@link ROWS_SHOWN} folded in `<details>`, and rows past {@link INVENTORY_ROWS_BYTES} not
 * written at all but counted, with a pointer to the CSV, which has every hook), and one line per host
 * ({@link hostLabel}) with how many hooks point there (lines past {@link HOST_LINES_BYTES} counted, not
 * written). Stays well under GitHub's 1 MiB per step however many hooks there are.
 */
async function writeInventorySummary(request: WebhookRequest, all: readonly InventoryHook[], counts: Record<string, number>): Promise<void> {
  const flagged = all.filter((hook) => hook.findings.length > 0)
  const row = (hook: InventoryHook): SummaryTableRow => [
    escape(`${hook.where} ${hook.target}`),
    String(hook.hook_id),
    hook.url === '' ? escape(hostLabel(hook)) : code(hook.url),
    escape(hook.findings.join(', ') || '—'),
    escape(lastResponseText(hook.last_response))
  ]
  const tableHeader = header('where', 'hook', 'url', 'findings', 'last response')
  const summary = core.summary
    .addHeading(
      `Webhooks: inventory of ${escape(describeTargets(request.targets))}${request.also_org ? ` and organization ${escape(request.also_org)}` : ''}`,
      3
    )
    .addRaw(`<p>${escape(count(all.length, 'webhook'))}, ${flagged.length} with findings.</p>`, true)
    .addTable([
      header('finding', 'hooks', 'what it means'),
      ...FINDINGS.map((finding) => [code(finding), String(counts[finding]), escape(FINDING_TEXT[finding])])
    ])
  const rows = rowsWithin(all.map(row), INVENTORY_ROWS_BYTES)
  summary.addTable([tableHeader, ...rows.slice(0, ROWS_SHOWN)])
  if (rows.length > ROWS_SHOWN) {
    summary
      .addRaw(`<details><summary>${escape(count(rows.length - ROWS_SHOWN, 'more webhook'))}</summary>`, true)
      .addTable([tableHeader, ...rows.slice(ROWS_SHOWN)])
      .addRaw('</details>', true)
  }
  if (rows.length < all.length) {
    const left = all.length - rows.length
    summary.addRaw(
      `<p>${escape(`${count(left, 'more webhook')} (the least bad) ${left === 1 ? 'is' : 'are'} not shown here, to keep the job summary under GitHub's 1 MiB: every hook is in the CSV, ${request.inventory_file} (output inventory_file), and in the output inventory.`)}</p>`,
      true
    )
  }
  const hosts = hostCounts(all)
  const lines = rowsWithin(
    hosts.map(({ host, hooks }) => [`${escape(host)}: ${escape(count(hooks, 'hook'))}`]),
    HOST_LINES_BYTES
  ).map(([line]) => line as string)
  summary.addList(lines)
  if (lines.length < hosts.length) summary.addRaw(`<p>${escape(count(hosts.length - lines.length, 'more host'))} in the CSV.</p>`, true)
  await writeRedacted(summary)
}
