/**
 * What an operation module is. Each operation of this action is one module of this folder, listed
 * by the operation table (src/operations.ts, one line each): how it runs — on each target, over all
 * targets at once, or as the whole run — and how it presents its results (outputs and its section of
 * the job summary, through ../report). The run over the request's targets is ./run.ts, the same for every operation.
 */
import { hooks, type ClientFactory, type ResolvedHook } from '../github/index.js'
import type { FleetCounts, FleetOptions, OperationResult, TargetResult } from '../jobs/index.js'
import type { Clock, GitHubClient, OperationInputs, Target, WebhookRequest, WebhooksFile } from '../model.js'
import type { Presentation } from '../report/index.js'

/** A request bound to one of its targets: what an operation runs with on that target. */
export type TargetRequest = WebhookRequest & { target: Target }

/** What a run has to work with: the request, the client factory (paced, one pacer per run), the clock of its waits. */
export interface RunContext {
  request: WebhookRequest
  makeClient: ClientFactory
  /** The clock of the pacing waits and delivery polls (the real one, scaled in tests). */
  clock: Clock
  /** `plan` / `apply`: the webhooks file, read and validated before the first request. */
  file?: WebhooksFile
}

/** The results of a run over targets, one per target (or per hook), and their totals. */
export interface FleetRun {
  results: TargetResult[]
  counts: FleetCounts
}

/**
 * One operation: what it needs of the inputs, how it runs (exactly one of `run`, `runTargets` and
 * `runAll`), what it does once every target has run, and its presentation ({@link Presentation}).
 */
export interface OperationModule extends Presentation {
  /** What it needs of the inputs and what it reads, checked before the first request (src/inputs/). */
  inputs: OperationInputs
  /**
   * Runs the operation on one target (a repository or organization, or a GitHub App).
   * @returns what happened; `failure` set when the step must fail although the requests succeeded
   * @throws HookLookupError when `url` matches no hook or several; Octokit's `RequestError` on API errors
   */
  run?: (client: GitHubClient, request: TargetRequest, clock: Clock) => Promise<OperationResult>
  /**
   * Runs over all targets at once (`rotate-secret`: a survey of every target, then batches), instead
   * of `run` on each. `log` takes a line for the log (the run keeps its progress ticker alive with it).
   */
  runTargets?: (targets: Target[], context: RunContext, options: FleetOptions, log: (line: string) => void) => Promise<FleetRun>
  /** Takes the whole run (`plan` and `apply`, over the targets of the webhooks file). */
  runAll?: (context: RunContext) => Promise<void>
  /** True when a run on one target is still reported as a fleet (`results` and the fleet table): `export`, `inventory`, `rotate-secret`. */
  fleetOnly?: boolean
  /**
   * After every target ran, before the fleet's outputs: what the operation makes of all results (the
   * file of `export`, the CSV of `inventory`).
   * @returns the step's failure, if the results call for one
   */
  finish?: (request: WebhookRequest, results: readonly TargetResult[]) => Promise<string | undefined>
}

/** Narrows a value the input helper guarantees for the operation. */
export function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('internal error: a required input was not validated')
  return value
}

/** What an operation that acts on one existing hook does once the hook is found (by `hook_id`, or by `url`). */
export type HookHandler = (client: GitHubClient, request: TargetRequest, hook: ResolvedHook, clock: Clock) => Promise<OperationResult>

/**
 * The `run` of an operation that acts on one existing hook: finds the hook `hook_id` or `url` names
 * (GET /…/hooks/{hook_id}, or the list of hooks for a URL), then runs `handler` on it.
 * @throws HookLookupError when `url` matches no hook or several
 */
export function onHook(handler: HookHandler): NonNullable<OperationModule['run']> {
  return async (client, request, clock) => handler(client, request, await hooks.resolveHook(client, request.target, request.hook), clock)
}
