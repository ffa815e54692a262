/**
 * What the step shows: its outputs (./outputs.ts), the job summary's frame and wording (./summary.ts),
 * the tables of hooks, configs and deliveries (./tables.ts), charts (./charts.ts), and the lines a
 * run logs as it goes (./progress.ts). An operation presents the rest itself, through a {@link Presentation}.
 */
export { deliveriesChart, durationChart } from './charts.js'
export { setFleetOutputs, setOutputs } from './outputs.js'
export { logResult, pacingLine, progressTicker, writePacing } from './progress.js'
export { code, count, escape, hasSummaryFile, header, percent, rowsWithin, writeRedacted, type Summary, type SummaryTableRow } from './markup.js'
export {
  describeTargets,
  FAILURES_LISTED,
  fleetFailure,
  hookPresence,
  ROWS_SHOWN,
  writeFailureSummary,
  writeFleetSummary,
  writeSummary,
  type Presentation
} from './summary.js'
export { CHANGE_HEADER, changeRow, commonTables, REDELIVERY_HEADER, redeliveryRow } from './tables.js'
