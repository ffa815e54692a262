/**
 * `export`: every hook of every target read (all pages), then grouped into a webhooks file that
 * `plan` takes back (../jobs/plan.ts `exportEntries`), written to `file` (output `file`), with the
 * file's JSON schema next to it outside a release. The file's writer is loaded only for this
 * operation, with its reader (../inputs/webhooks-file.ts).
 */
import * as core from '@actions/core'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describeTarget, hooks, redact } from '../github/index.js'
import { exportEntries, type TargetResult } from '../jobs/index.js'
import type { WebhookRequest } from '../model.js'
import { count } from '../report/index.js'
import webhooksSchema from '../webhooks.schema.json' with { type: 'json' }
import type { OperationModule } from './operation.js'

export const exportOperation: OperationModule = {
  inputs: { needs: [], uses: ['file'], trait: 'hooks', writes: 'never', coversOrg: true },
  run: async (client, { target }) => {
    // Every hook of each target (all pages); the file is written from all of them at the end.
    const { items: all } = await hooks.listHooks(client, target, { per_page: 100 })
    return { message: `${count(all.length, 'webhook')} of ${describeTarget(target)} read for export.`, outcome: 'read', hooks: all }
  },
  fleetOnly: true,
  finish: async (request, results) => {
    await writeExport(request, results)
    return undefined
  }
}

/**
 * `export`: the hooks read from every target, grouped into a webhooks file written to `file` (output
 * `file`); with no hook to write as an entry, no file (a file without entries is one `plan` refuses), and a warning.
 */
async function writeExport(request: WebhookRequest, results: readonly TargetResult[]): Promise<void> {
  const read = results.flatMap((result) => (result.operation?.hooks ? [{ target: result.target, hooks: result.operation.hooks }] : []))
  const { entries, left_out, shared_url, no_url } = exportEntries(read)
  if (no_url.length > 0) {
    core.warning(
      redact(
        `Not exported, because they have no URL (legacy service hooks, which a webhooks file cannot declare): ${no_url.join(', ')}. They are left as they are.`
      )
    )
  }
  if (shared_url.length > 0) {
    core.warning(
      redact(
        `Not exported, because they share their URL with another webhook of the same repository or organization (different events, or duplicates): ${shared_url.join('; ')}. A webhooks file holds one hook per URL and target; these are left as they are. To manage them as code, keep one webhook per URL (merge their events into one, or delete the duplicate with operation: delete and hook_id), then export again.`
      )
    )
  }
  if (left_out.length > 0) {
    core.warning(
      `Not exported, because their URLs carry credentials that do not belong in a committed file: ${left_out.join(', ')}. Move the credential out of the URL (a receiver can check X-Hub-Signature-256 instead), then export again.`
    )
  }
  if (entries.length === 0) {
    // A file with no entry is one plan refuses (hooks: is empty): none is written, and the step says so.
    core.warning(redact(`Nothing to export: no webhook to write as an entry was found, so ${request.file} was not written (output 'file' is empty).`))
    return
  }
  mkdirSync(dirname(request.file), { recursive: true })
  const { renderWebhooksFile, schemaUrl, WEBHOOKS_SCHEMA_REFERENCE } = await import('../inputs/webhooks-file.js')
  // The schema of the action's own release; without one (uses: ./, a local run), a copy next to the file.
  const schema = schemaUrl(process.env)
  if (schema === undefined) writeFileSync(join(dirname(request.file), 'webhooks.schema.json'), `${JSON.stringify(webhooksSchema, null, 2)}\n`)
  writeFileSync(request.file, renderWebhooksFile(entries, undefined, schema ?? WEBHOOKS_SCHEMA_REFERENCE))
  core.setOutput('file', request.file)
  const secrets = entries.filter((entry) => entry.secret_set).map((entry) => entry.secret_env)
  core.info(
    redact(
      `Exported ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} to ${request.file}${secrets.length > 0 ? `; set ${secrets.join(', ')} from your secrets before a plan` : ''}.`
    )
  )
}
