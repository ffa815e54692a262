/**
 * Conditional requests within one run (GitHub docs "Best practices for using the REST API › Use
 * conditional requests if appropriate", and "Rate limits for the REST API": "making a conditional
 * request and receiving a 304 response does not count against your primary rate limit"): a GET of a
 * hooks list that was answered with an `ETag` earlier in the run is sent again with `If-None-Match`;
 * GitHub answers `304 Not Modified` without a body when the list did not change, and the answer seen
 * before is used. `apply` gains from it: it reads each target's hooks once for the plan and again
 * right before it writes, and that second read is then free of the primary budget.
 *
 * Safe by construction: a 304 means the representation is the one whose ETag was sent, for the same
 * credentials (GitHub's ETags vary with `Authorization`); any change to the list gives a full answer.
 * ETags live in memory for one run only and are never written anywhere: they are tied to the token,
 * and tokens change between runs. Only the hooks lists (`GET …/hooks`, each page) are kept, so a run
 * over thousands of repositories keeps a few KiB per repository at most.
 */
import type { ClientFactory, TargetClientOptions } from './client.js'
import type { GitHubClient } from '../model.js'

/** A GET answer as Octokit returns it. */
interface CachedResponse {
  status: number
  url: string
  headers: Record<string, string | number | undefined>
  data: unknown
}

/** Whether a URL is a hooks list (`…/hooks`, any page), the only answers kept. */
function isHooksList(url: string): boolean {
  return /\/hooks$/.test(URL.parse(url)?.pathname ?? '')
}

/** The ETags and answers of one run's hooks lists, by URL; see the module comment. */
export class EtagCache {
  private readonly answers = new Map<string, { etag: string; response: CachedResponse }>()
  /** Conditional requests sent (GETs with `If-None-Match`). */
  conditional = 0
  /** Of those, the ones GitHub answered `304 Not Modified` (free of the primary budget). */
  notModified = 0

  /**
   * Makes `client` send a known hooks list's GET with `If-None-Match` and answer a 304 with the
   * answer seen before (a copy: callers may change what they get); keeps each hooks list's answer
   * that carries an `ETag`. Other requests pass through untouched.
   * @returns the same client
   */
  install(client: GitHubClient): GitHubClient {
    client.hook.wrap('request', async (request, options) => {
      if (options.method !== 'GET') return request(options)
      const { url } = client.request.endpoint.parse(options)
      if (!isHooksList(url)) return request(options)
      const known = this.answers.get(url)
      if (!known) return this.keep(url, await request(options))
      this.conditional++
      // before-after-hook binds the same options object to every hook of the chain: set the header on
      // it (a copy passed to `request` would be ignored).
      options.headers['if-none-match'] = known.etag
      try {
        return this.keep(url, await request(options))
      } catch (error) {
        if ((error as { status?: number }).status !== 304) throw error
        this.notModified++
        return structuredClone(known.response) as Awaited<ReturnType<typeof request>>
      }
    })
    return client
  }

  /**
   * Keeps an answer that has an ETag and is a whole list: no `rel="next"` and fewer items than a page
   * holds. A full page keeps its body (and so its ETag) when a hook is added past it, while its `Link`
   * would gain a next page: a 304 for it would hide that hook (found by the hostile review of issue 28).
   * Returns the answer.
   */
  private keep<T extends CachedResponse>(url: string, response: T): T {
    const etag = response.headers.etag
    const link = String(response.headers.link ?? '')
    const perPage = Number(URL.parse(url)?.searchParams.get('per_page') ?? 30)
    const whole = !/rel="next"/.test(link) && Array.isArray(response.data) && response.data.length < perPage
    if (!whole) this.answers.delete(url)
    else if (typeof etag === 'string' && response.status === 200) {
      this.answers.set(url, {
        etag,
        response: structuredClone({ status: response.status, url: response.url, headers: response.headers, data: response.data })
      })
    }
    return response
  }
}

/**
 * A client factory whose clients share `cache` ({@link EtagCache}) on top of `factory`'s (same pacer).
 * One per run: never kept across runs.
 */
export function withEtags(factory: ClientFactory, cache = new EtagCache()): ClientFactory & { etags: EtagCache } {
  const make = (options?: TargetClientOptions): GitHubClient => cache.install(factory(options))
  return Object.assign(make, { pacer: factory.pacer, etags: cache })
}
