/**
 * A Pacer (src/github/pacing.ts) on a virtual clock (./virtual-clock.ts) over a stand-in GitHub, for
 * the pacing tests that need exact times: what was sent and when, the waits announced, and a way to
 * run work to its end without real waiting.
 */
import { Pacer, pacingBudget, type PacingBudget } from '../../src/github/pacing.js'
import { VirtualClock } from './virtual-clock.js'

export const API = 'https://api.github.com'
export const SECONDARY = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'
/** GitHub's refusal of a secondary rate limit (403 by default), with `retry-after` when given. */
export const refusal = (retryAfter?: string, message = SECONDARY, status = 403, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ message }), { status, headers: retryAfter === undefined ? headers : { ...headers, 'retry-after': retryAfter } })

/**
 * A Pacer on a virtual clock over a stand-in GitHub whose nth answer (from 0) is `answer(n)`, after
 * `answer_ms` (a number, or one per answer).
 */
export function virtual(
  answer: (n: number, method: string, url: string) => Response,
  options: { budget?: Partial<PacingBudget>; rate_limit_wait?: number; answer_ms?: number | ((n: number) => number) } = {}
) {
  const clock = new VirtualClock()
  const start = clock.now()
  const sent: { at: number; method: string; url: string; ms: number }[] = []
  const waits: string[] = []
  const pacer = new Pacer({
    api_url: API,
    budget: { ...pacingBudget(), ...options.budget },
    rate_limit_wait: options.rate_limit_wait ?? 600,
    onWait: (message) => waits.push(message),
    clock
  })
  const send: typeof fetch = async (input, init) => {
    const method = init?.method ?? 'GET'
    const n = sent.length
    const ms = typeof options.answer_ms === 'function' ? options.answer_ms(n) : (options.answer_ms ?? 50)
    sent.push({ at: clock.now() - start, method, url: String(input), ms })
    const response = answer(n, method, String(input))
    await clock.sleep(ms)
    return response
  }
  const fetch = pacer.fetch(send)
  const call = (path: string, method = 'GET', init: RequestInit = {}) => fetch(`${API}${path}`, { method, ...init })
  const run = <T>(work: Promise<T>) =>
    clock.run(
      work.then(
        (v) => v,
        (e: unknown) => e
      )
    )
  return { pacer, sent, waits, call, run, clock, start, elapsed: () => clock.now() - start }
}
