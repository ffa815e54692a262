/**
 * What an operation did on one target: the result every job returns and the fleet runner gathers
 * (./fleet.ts), and that the operation modules (src/operations/) turn into outputs and the job summary.
 */
import type { Delivery, DeliveryItem, Hook, HookConfig } from '../model.js'
import type { HookAudit } from './audit.js'
import type { RedeliverReport } from './deliveries.js'
import type { EnsureResult } from './ensure.js'
import type { HookReport } from './health.js'
import type { InventoryHook } from './inventory.js'

/** What an operation did; besides `message` and `outcome`, a field is set only when the operation produced it. */
export interface OperationResult {
  /** One sentence for the log and the job summary. */
  message: string
  /**
   * The operation's outcome in one word, for a fleet's `results`: `listed`, `found`, `created`,
   * `updated`, `unchanged`, `deleted`, `absent`, `gone` (someone else deleted it), `sent` (a ping or
   * test not waited for), `delivered` (the receiver answered 2xx), `redelivered`, `none-failed`.
   */
  outcome: string
  /** True when the hook was created, changed or deleted (in a dry run: would be). */
  changed?: boolean
  hook_id?: number
  hook?: Hook
  hooks?: Hook[]
  config?: HookConfig
  deliveries?: DeliveryItem[]
  /** `list` / `list-deliveries`: true when `limit` left items out. */
  truncated?: boolean
  /** A delivery fetched in full (`get-delivery`). */
  delivery?: Delivery
  /** The delivery acted on (`redeliver`), fetched (`get-delivery`) or caused (`ping`/`test` waiting). */
  delivery_id?: number
  /** What `ensure` / `ensure-absent` did or, in a dry run, would do. */
  ensure?: EnsureResult
  /** What `redeliver-failed` found and redelivered. */
  redeliver?: RedeliverReport
  /** `audit-secret`: which secret each hook signs with (the hooks audited are in `hooks`). */
  audit?: HookAudit[]
  /** `report`: each hook's delivery health in the window, and the deliveries it was computed from (newest first). */
  report?: { hooks: HookReport[]; deliveries: DeliveryItem[]; window: { since: Date; until: Date } }
  /** `inventory`: every hook of the target, with its findings. */
  inventory?: InventoryHook[]
  /** Something the user should see, without failing the step. */
  warning?: string
  /** Something worth a `::notice::` (e.g. a list cut short by `limit`). */
  notice?: string
  /** Why the step fails although the request succeeded (e.g. the receiver answered 500); outputs are still set. */
  failure?: string
}
