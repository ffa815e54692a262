/**
 * The jobs: what the operations do, on a client and a target, knowing nothing of inputs or of how
 * results are shown. The fleet runner (./fleet.ts) runs a job over many targets and gathers one
 * {@link OperationResult} per target (./result.ts); the planner (./plan.ts) plans and applies a
 * webhooks file; the rest are the work of one or a few operations: ensure (./ensure.ts), deliveries
 * and their polls (./deliveries.ts), the secret proof (./secrets.ts), the audit (./audit.ts), the
 * rotation (./rotate.ts), the inventory (./inventory.ts) and the delivery health report (./health.ts).
 */
export { auditTarget, VERDICTS, type HookAudit, type Verdict } from './audit.js'
export { redeliverFailed, sendAndAwait, succeeded, type FailedGuid, type RedeliverReport } from './deliveries.js'
export { ensureAbsent, ensureHook, wantedSettings, type Change, type EnsureResult } from './ensure.js'
export { countResults, isFailure, runFleet, type FleetCounts, type FleetOptions, type TargetResult } from './fleet.js'
export { hookReport, overallSuccessRate, runSeries, worstReportsFirst, type HookReport, type HourlySeries } from './health.js'
export {
  findingCounts,
  FINDING_TEXT,
  hostCounts,
  hostLabel,
  inventoryCsv,
  inventoryTarget,
  lastResponseText,
  readLastResponse,
  worstHooksFirst,
  type InventoryHook
} from './inventory.js'
export { applyPlan, computePlan, exportEntries, PLAN_ACTIONS, planCounts, SECRET_NOT_CHECKED, type PlanAction, type PlanItem } from './plan.js'
export type { OperationResult } from './result.js'
export { rotateSecrets, type RotationOptions, type RotationPlan } from './rotate.js'
