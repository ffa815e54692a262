/**
 * The operation table: every value of the input `operation`, one line each, with the module that
 * declares what it needs of the inputs, runs it and presents it (src/operations/, one module per
 * operation). The order here is the order the inputs' errors list the operations in. Adding an
 * operation is its module, its line here, `action.yml` and its page in docs/.
 */
import { apply } from './operations/apply.js'
import { auditSecret } from './operations/audit-secret.js'
import { create } from './operations/create.js'
import { remove } from './operations/delete.js'
import { ensureAbsent } from './operations/ensure-absent.js'
import { ensure } from './operations/ensure.js'
import { exportOperation } from './operations/export.js'
import { getConfig } from './operations/get-config.js'
import { getDelivery } from './operations/get-delivery.js'
import { get } from './operations/get.js'
import { inventory } from './operations/inventory.js'
import { listDeliveries } from './operations/list-deliveries.js'
import { list } from './operations/list.js'
import type { OperationModule } from './operations/operation.js'
import { plan } from './operations/plan.js'
import { redeliverFailedOperation } from './operations/redeliver-failed.js'
import { redeliver } from './operations/redeliver.js'
import { report } from './operations/report.js'
import { rotateSecret } from './operations/rotate-secret.js'
import { test } from './operations/test.js'
import { updateConfig } from './operations/update-config.js'
import { update } from './operations/update.js'
import { ping } from './operations/ping.js'

/** Each operation's module, by the value of the input `operation`. */
export const OPERATION_TABLE = {
  list,
  get,
  create,
  update,
  delete: remove,
  'get-config': getConfig,
  'update-config': updateConfig,
  'list-deliveries': listDeliveries,
  'get-delivery': getDelivery,
  redeliver,
  ping,
  test,
  ensure,
  'ensure-absent': ensureAbsent,
  'redeliver-failed': redeliverFailedOperation,
  'audit-secret': auditSecret,
  'rotate-secret': rotateSecret,
  report,
  plan,
  apply,
  export: exportOperation,
  inventory
} satisfies Record<string, OperationModule>

/** The value of the input `operation`: one of the table's names. */
export type Operation = keyof typeof OPERATION_TABLE

/** The operations, in the table's order. */
export const OPERATIONS = Object.keys(OPERATION_TABLE) as Operation[]

/**
 * The module of the operation `name` (a validated request's).
 * @throws Error (internal) for a name the table does not have: the inputs are checked against it first
 */
export function operationModule(name: string): OperationModule {
  if (!Object.hasOwn(OPERATION_TABLE, name)) throw new Error(`internal error: no operation '${name}' in the operation table`)
  return OPERATION_TABLE[name as Operation]
}
