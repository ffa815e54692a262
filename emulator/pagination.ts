/**
 * Page-number pagination as GitHub's REST API does it for plain lists (`GET …/hooks`,
 * `GET /orgs/{org}/repos`, `GET /users/{username}/repos`, `GET /orgs/{org}/properties/values`):
 * `per_page` (default 30, at most 100) and `page` (from 1) in the query, and a `Link` header with the
 * `prev`, `next`, `last` and `first` pages that exist (GitHub's docs "Using pagination in the REST
 * API"). The cursor-paginated deliveries lists are not paginated here (see ./routes.ts).
 */

const DEFAULT_PER_PAGE = 30
const MAX_PER_PAGE = 100

/**
 * Page size from the `per_page` query parameter: default 30, clamped to 1…100 (a value below 1 or not
 * a number gives the default).
 */
export function perPage(query: Record<string, string>): number {
  const value = Number.parseInt(query.per_page ?? '', 10)
  return Number.isNaN(value) || value < 1 ? DEFAULT_PER_PAGE : Math.min(value, MAX_PER_PAGE)
}

/** One page of a list and the headers to answer it with. */
export interface Page<T> {
  items: T[]
  /** `{ Link }` when there is another page (before or after this one); otherwise undefined. */
  headers: Record<string, string> | undefined
}

/** Where a list was requested: the root, path and query of the request. */
export interface PageRequest {
  /** Root the request came through: `http://127.0.0.1:PORT` or `…/api/v3`. */
  apiBase: string
  /** Request path without the `/api/v3` prefix and without the query. */
  path: string
  query: Record<string, string>
}

/**
 * Cuts page `page` (query `page`, default 1; a page past the end is empty) of `per_page` items out
 * of `all` and builds GitHub's `Link` header: `prev` (clamped to the last page), `next` and `last`
 * when more pages follow, `first` when this is not the first page; none when everything fits on
 * page 1. Link URLs keep the request's other query parameters (e.g. `type`, `sort`) in their order,
 * followed by `per_page=<size>&page=<n>`.
 *
 * @param all the whole list, already filtered and sorted
 * @param request the request's root, path and query
 */
export function paginate<T>(all: readonly T[], request: PageRequest): Page<T> {
  const size = perPage(request.query)
  const lastPage = Math.max(1, Math.ceil(all.length / size))
  const page = Math.max(1, Number.parseInt(request.query.page ?? '', 10) || 1)
  const items = all.slice((page - 1) * size, page * size)
  const kept = Object.entries(request.query).filter(([key]) => key !== 'per_page' && key !== 'page')
  const link = (p: number, rel: string): string => {
    const search = new URLSearchParams([...kept, ['per_page', String(size)], ['page', String(p)]])
    return `<${request.apiBase}${request.path}?${search}>; rel="${rel}"`
  }
  const links = [
    ...(page > 1 ? [link(Math.min(page - 1, lastPage), 'prev')] : []),
    ...(page < lastPage ? [link(page + 1, 'next'), link(lastPage, 'last')] : []),
    ...(page > 1 ? [link(1, 'first')] : [])
  ]
  return { items, headers: links.length > 0 ? { Link: links.join(', ') } : undefined }
}
