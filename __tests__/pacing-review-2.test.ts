/**
 * Regression tests of the hostile review of the pacer (issue 25), on a virtual clock: each case
 * was reproduced against the first version of the new scheduler and is kept as it was found.
 * H12/H12b a late refusal's retry-after still holds (the pause is made longer).
 */
import { expect, test } from '@jest/globals'
import { Pacer, pacingBudget } from '../src/github/pacing.js'
import { VirtualClock } from './helpers/virtual-clock.js'

const API = 'https://api.github.com'
const SECONDARY = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'
const CREATION =
  'You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.'
const refusal = (retryAfter?: string, message = SECONDARY) =>
  new Response(JSON.stringify({ message }), { status: 403, headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter } })

function setup(answer: (n: number, method: string, url: string) => { response: Response; ms: number }, rate_limit_wait = 600) {
  const clock = new VirtualClock()
  const start = clock.now()
  const sent: { n: number; at: number; method: string; url: string; answeredAt?: number; status?: number; ra?: string | null }[] = []
  const pacer = new Pacer({ api_url: API, budget: pacingBudget(), rate_limit_wait, clock, onWait: () => undefined })
  const send: typeof fetch = async (input, init) => {
    const n = sent.length
    const rec = { n, at: clock.now() - start, method: init?.method ?? 'GET', url: String(input) } as (typeof sent)[number]
    sent.push(rec)
    const { response, ms } = answer(n, rec.method, rec.url)
    await clock.sleep(ms)
    rec.answeredAt = clock.now() - start
    rec.status = response.status
    rec.ra = response.headers.get('retry-after')
    return response
  }
  const f = pacer.fetch(send)
  const call = (path: string, method = 'GET') => f(`${API}${path}`, { method })
  const run = <T>(w: Promise<T>) =>
    clock.run(
      w.then(
        (v) => v,
        (e: unknown) => e
      )
    )
  return { pacer, sent, call, run, clock }
}

test('H12 a late refusal (request sent before a short pause, answered after it ended) with retry-after 60 is ignored', async () => {
  const { sent, call, run } = setup((n) => {
    if (n === 1) return { response: refusal('1'), ms: 50 }
    if (n === 2) return { response: refusal('60'), ms: 3000 }
    return { response: new Response('[]'), ms: 50 }
  })
  await run(call('/repos/o/first/hooks')) // the probe
  await run(
    Promise.all([
      call('/repos/o/a/hooks'),
      call('/repos/o/b/hooks'),
      (async () => {
        for (let i = 0; i < 5; i++) await call(`/user/x${i}`)
      })()
    ])
  )
  const late = sent[2]
  const after = sent.filter((s) => s.at >= late.answeredAt! && s.at < late.answeredAt! + 60_000)
  expect(after).toEqual([])
})

test('H12b content creation: a late creation refusal with retry-after 300, after a 1 s creation pause ended, is ignored', async () => {
  const { sent, call, run } = setup((n, method) => {
    if (n === 1) return { response: refusal('1', CREATION), ms: 2000 }
    if (n === 2) return { response: refusal('300', CREATION), ms: 5000 }
    return { response: new Response('{}', { status: method === 'POST' ? 201 : 200 }), ms: 50 }
  })
  await run(call('/repos/o/first/hooks'))
  await run(
    Promise.all([
      call('/repos/o/a/hooks', 'POST'),
      call('/repos/o/b/hooks', 'POST'),
      ...['c', 'd', 'e'].map((r) => call(`/repos/o/${r}/hooks`, 'POST'))
    ])
  )
  const late = sent[2]
  const after = sent.filter((s) => s.method === 'POST' && s.at >= late.answeredAt! && s.at < late.answeredAt! + 300_000)
  expect(after).toEqual([])
})
