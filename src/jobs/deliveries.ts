/**
 * Delivery verdicts and redelivery of failures, built on the REST endpoints "List deliveries for a …
 * webhook", "Get a delivery …" and "Redeliver a delivery …".
 *
 * GitHub answers `POST …/pings` and `POST …/tests` with 204 and no delivery id, so the delivery a
 * ping caused is found by noting the newest delivery id before the request and polling for a newer
 * one of the right event.
 */
import { isApiError, hooks, RateLimitStop, RateLimitWait, withDeadline, type Target } from '../github/index.js'
import { realClock, type Clock, type Delivery, type DeliveryItem, type GitHubClient } from '../model.js'

/** First poll this long after the request (ms); GitHub usually delivers within it. */
export const FIRST_POLL_MS = 500
/** Polls grow by half each time up to this interval (ms), so a verdict comes ≤ 1 s after the delivery exists. */
export const MAX_POLL_MS = 1000
/** Deliveries asked per poll: a small page, newest first. */
const POLL_PAGE = 10

/** True when the receiver answered 2xx. "failed to connect" and timeouts have status code 0: failures. */
export function succeeded(delivery: Pick<DeliveryItem, 'status_code'>): boolean {
  return delivery.status_code >= 200 && delivery.status_code < 300
}

/** The hook's newest delivery, or undefined when it has none (1 GET, `per_page=1`). */
export async function newestDelivery(client: GitHubClient, target: Target, hook_id: number): Promise<DeliveryItem | undefined> {
  const {
    items: [newest]
  } = await hooks.listDeliveries(client, target, hook_id, { per_page: 1, limit: 1 })
  return newest
}

/**
 * Polls the hook's deliveries (newest first, small pages; first after {@link FIRST_POLL_MS}, then
 * every 1.5× longer up to {@link MAX_POLL_MS}) until a delivery of `event` newer than `after`
 * appears, then fetches it in full. Never reports an older delivery. Each poll reads pages until it
 * reaches `after`, so a busy hook's other deliveries cannot push the one awaited off the page.
 *
 * The wait never outlasts `timeout_ms`: every poll and the final fetch are aborted at the deadline,
 * and a poll that fails with a 5xx or a network error is not retried but followed by the next poll
 * (another 4xx is thrown). A poll waits out a pause GitHub asked for (../github/pacing.ts) when it ends
 * before the deadline; when it ends later, the wait ends at once with {@link RateLimitWait}.
 * @param options.after the newest delivery id before the request that causes the delivery
 * @param options.event the delivery's event (`ping`, `push`); undefined: any event
 * @param options.delivered_after only a delivery whose `delivered_at` (whole seconds) is later than
 *   this ISO 8601 time counts (e.g. a hook's `updated_at`, so the delivery can prove its secret)
 * @param options.timeout_ms how long to wait, in milliseconds
 * @param clock the clock the waits go through (tests drive it); the real one by default
 * @returns the delivery, or undefined when GitHub recorded none in time
 * @throws RequestError for a 4xx answer to a poll (e.g. 404: the hook was deleted meanwhile);
 *   RateLimitWait when GitHub's pause outlasts the wait; RateLimitStop when GitHub stopped the run
 */
export async function waitForDelivery(
  client: GitHubClient,
  target: Target,
  hook_id: number,
  options: { after: number; event?: string; timeout_ms: number; delivered_after?: string },
  clock: Clock = realClock
): Promise<Delivery | undefined> {
  const deadline = clock.now() + options.timeout_ms
  const abort = new AbortController()
  const timer = setTimeout(() => abort.abort(), options.timeout_ms)
  const request = { retries: 0, signal: withDeadline(abort.signal, deadline) }
  const newerThan = options.delivered_after === undefined ? -Infinity : Date.parse(options.delivered_after)
  let interval = FIRST_POLL_MS
  try {
    for (;;) {
      await clock.sleep(Math.max(0, Math.min(interval, deadline - clock.now())), abort.signal).catch(() => undefined)
      if (abort.signal.aborted) return undefined
      try {
        const { items: newer } = await hooks.listDeliveries(client, target, hook_id, {
          per_page: POLL_PAGE,
          until: (delivery) => Number(delivery.id) <= options.after,
          request
        })
        const caused = newer.filter(
          (delivery) => (options.event === undefined || delivery.event === options.event) && Date.parse(delivery.delivered_at) > newerThan
        )
        const first = caused.at(-1) // the oldest new one: the one the request caused
        if (first) return await hooks.getDelivery(client, target, hook_id, Number(first.id), request)
      } catch (error) {
        if (abort.signal.aborted) return undefined
        if (error instanceof RateLimitStop) throw error
        if (error instanceof RateLimitWait) throw new RateLimitWait(`The wait for the delivery ended: ${error.message}`)
        // A 5xx or a network error is followed by the next poll; a 4xx is thrown.
        if (isApiError(error) && error.status < 500) throw error
      }
      if (clock.now() >= deadline) return undefined
      interval = Math.min(interval * 1.5, MAX_POLL_MS)
    }
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Makes GitHub send a delivery and waits for it: notes the newest delivery id, calls `send` (a
 * `POST …/pings` or `…/tests`, which answer 204 without an id), then {@link waitForDelivery}.
 * Costs 1 GET + the POST + the polls + 1 GET.
 * @returns the delivery `send` caused, or undefined when GitHub recorded none within `timeout_ms`
 */
export async function sendAndAwait(
  client: GitHubClient,
  target: Target,
  hook_id: number,
  send: () => Promise<void>,
  options: { event: string; timeout_ms: number; delivered_after?: string },
  clock: Clock = realClock
): Promise<Delivery | undefined> {
  const after = Number((await newestDelivery(client, target, hook_id))?.id ?? 0)
  await send()
  return waitForDelivery(client, target, hook_id, { after, ...options }, clock)
}

/**
 * Pings a hook whose config was just written (created, or given a new secret) and waits for the
 * ping's delivery, as `ping` does: so the receiver's answer is known now, and a later run can prove
 * the secret from this ping instead of writing it again. Call it right after the write's answer: the
 * ping goes one second later, so that GitHub's clock is past the write by a whole second (GitHub's
 * times have whole seconds, and a proof takes only a delivery strictly newer than `updated_at`).
 * Costs 1 GET (newest delivery) + 1 POST + the polls + 1 GET.
 * @param options.delivered_after only a delivery later than this ISO 8601 time counts (the hook's
 *   `updated_at` after a creation, which leaves out the ping GitHub sends on creation)
 * @param options.timeout_ms how long to wait for the delivery, in MILLISECONDS
 * @param clock the clock of the polls (the one-second pause is always real: it is GitHub's clock that must pass)
 * @returns the ping's delivery, or undefined when GitHub recorded none in time
 */
export async function pingAfterWrite(
  client: GitHubClient,
  target: Target,
  hook_id: number,
  options: { delivered_after?: string; timeout_ms: number },
  clock: Clock = realClock
): Promise<Delivery | undefined> {
  await realClock.sleep(1000)
  return sendAndAwait(client, target, hook_id, () => hooks.ping(client, target, hook_id), { event: 'ping', ...options }, clock)
}

/** A guid none of whose attempts got a 2xx, with the attempt to redeliver. */
export interface FailedGuid {
  guid: string
  /** The newest attempt: the one to redeliver. */
  newest: DeliveryItem
  /** How many attempts the walk saw. */
  attempts: number
}

/**
 * Groups deliveries by `guid` and returns those none of whose attempts got a 2xx (a delivery with no
 * status code, e.g. "failed to connect", is a failure), oldest guid first (by its first attempt).
 */
export function failedGuids(deliveries: readonly DeliveryItem[]): FailedGuid[] {
  const groups = new Map<string, { attempts: DeliveryItem[]; ok: boolean }>()
  for (const delivery of deliveries) {
    const group = groups.get(delivery.guid) ?? { attempts: [], ok: false }
    group.attempts.push(delivery)
    group.ok ||= succeeded(delivery)
    groups.set(delivery.guid, group)
  }
  const byId = (a: DeliveryItem, b: DeliveryItem): number => Number(a.id) - Number(b.id)
  return [...groups.entries()]
    .filter(([, group]) => !group.ok)
    .map(([guid, group]) => {
      const attempts = [...group.attempts].sort(byId)
      return { guid, newest: attempts[attempts.length - 1], attempts: attempts.length, first: attempts[0] }
    })
    .sort((a, b) => byId(a.first, b.first))
    .map(({ guid, newest, attempts }) => ({ guid, newest, attempts }))
}

/** What `redeliver-failed` found and did. */
export interface RedeliverReport {
  /** Deliveries walked (within `since`). */
  scanned: number
  /** Every failed guid found, oldest first. */
  failed: FailedGuid[]
  /** The failed guids redelivered (at most `max`), oldest first. */
  redelivered: FailedGuid[]
  /** Redeliveries GitHub refused, as messages. */
  errors: string[]
}

/**
 * `operation: redeliver-failed`: walks the hook's deliveries back to `since`, finds the guids that
 * never got a 2xx, and asks GitHub to redeliver the newest attempt of each, oldest guid first, at
 * most `max` per run (`POST …/deliveries/{delivery_id}/attempts`). A refused redelivery is recorded
 * in `errors` and the others still go.
 */
export async function redeliverFailed(
  client: GitHubClient,
  target: Target,
  hook_id: number,
  options: { since: Date; max: number }
): Promise<RedeliverReport> {
  const { items: deliveries } = await hooks.listDeliveries(client, target, hook_id, { since: options.since, per_page: 100 })
  const failed = failedGuids(deliveries)
  const redelivered: FailedGuid[] = []
  const errors: string[] = []
  for (const item of failed.slice(0, options.max)) {
    try {
      await hooks.redeliver(client, target, hook_id, Number(item.newest.id))
      redelivered.push(item)
    } catch (error) {
      if (!isApiError(error)) throw error // not GitHub's refusal (e.g. a fleet's max_writes): the run stops here
      errors.push(`delivery ${item.newest.id} (guid ${item.guid}): ${error.message}`)
    }
  }
  return { scanned: deliveries.length, failed, redelivered, errors }
}
