/**
 * The operation table: every value of the input `operation`, one line each, with the module that
 * runs and presents it (src/operations/, one module per operation). Adding an operation is its
 * module, its line here, its name in the inputs' list (src/model.ts `OPERATIONS`), its inputs
 * (src/inputs/operation-inputs.ts), `action.yml` and its page in docs/.
 */
import type { Operation } from './model.js'
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
export const OPERATION_TABLE: Readonly<Record<Operation, OperationModule>> = {
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
}
