/**
 * A virtual clock (src/model.ts `Clock`) for simulations: time moves only when everything else
 * waits, straight to the next timer, so hours of GitHub time run in milliseconds. {@link
 * VirtualClock.run} drives a promise to its end and throws when it can never end (nothing but the
 * promise pending, no timer): the hang that makes Node exit with code 13.
 */
import type { Clock } from '../../src/model.js'

interface Timer {
  at: number
  seq: number
  resolve: () => void
  cancelled?: boolean
}

/** A clock whose time moves only by {@link VirtualClock.run}. */
export class VirtualClock implements Clock {
  private time: number
  private seq = 0
  /** A binary min-heap of timers by (at, seq). */
  private readonly heap: Timer[] = []

  /** @param start the initial time, epoch MILLISECONDS */
  constructor(start = Date.UTC(2026, 11, 6, 12)) {
    this.time = start
  }

  now(): number {
    return this.time
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      const timer: Timer = { at: this.time + Math.max(0, ms), seq: this.seq++, resolve: () => undefined }
      const onAbort = (): void => {
        timer.cancelled = true
        reject(signal?.reason)
      }
      timer.resolve = () => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.push(timer)
    })
  }

  /**
   * Runs `promise` to its end: lets every pending callback run, then moves time to the next timer,
   * again and again. Aborted timers are skipped without moving time.
   * @throws Error `deadlock at …` when the promise is pending with no timer left
   */
  async run<T>(promise: Promise<T>): Promise<T> {
    let settled = false
    promise.then(
      () => (settled = true),
      () => (settled = true)
    )
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve))
      if (settled) return promise
      let timer = this.pop()
      while (timer?.cancelled) timer = this.pop()
      if (!timer) throw new Error(`deadlock at ${new Date(this.time).toISOString()}: the run waits with no timer left`)
      this.time = Math.max(this.time, timer.at)
      timer.resolve()
    }
  }

  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq)
  }

  private push(timer: Timer): void {
    const heap = this.heap
    heap.push(timer)
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1
      if (!this.less(heap[i], heap[parent])) break
      ;[heap[i], heap[parent]] = [heap[parent], heap[i]]
      i = parent
    }
  }

  private pop(): Timer | undefined {
    const heap = this.heap
    const top = heap[0]
    const last = heap.pop()
    if (heap.length > 0 && last) {
      heap[0] = last
      for (let i = 0; ;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < heap.length && this.less(heap[l], heap[m])) m = l
        if (r < heap.length && this.less(heap[r], heap[m])) m = r
        if (m === i) break
        ;[heap[i], heap[m]] = [heap[m], heap[i]]
        i = m
      }
    }
    return top
  }
}
