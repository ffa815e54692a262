import { describe, expect, test } from '@jest/globals'
import { describeTarget, endpoint, type HooksPath, type Target } from '../src/github/scopes.js'

const repo: Target = { scope: 'repo', owner: 'octo-org', repo: 'hello-world' }
const org: Target = { scope: 'org', org: 'octo-org' }

describe('endpoint routes each hooks path under the scope root', () => {
  const paths: HooksPath[] = [
    '/hooks',
    '/hooks/{hook_id}',
    '/hooks/{hook_id}/config',
    '/hooks/{hook_id}/deliveries',
    '/hooks/{hook_id}/deliveries/{delivery_id}',
    '/hooks/{hook_id}/deliveries/{delivery_id}/attempts',
    '/hooks/{hook_id}/pings'
  ]
  test.each(paths)('%s', (path) => {
    expect(endpoint(repo, 'GET', path)).toEqual({
      route: `GET /repos/{owner}/{repo}${path}`,
      params: { owner: 'octo-org', repo: 'hello-world' }
    })
    expect(endpoint(org, 'PATCH', path)).toEqual({ route: `PATCH /orgs/{org}${path}`, params: { org: 'octo-org' } })
  })

  test('the test push exists for repositories only', () => {
    expect(endpoint(repo, 'POST', '/hooks/{hook_id}/tests').route).toBe('POST /repos/{owner}/{repo}/hooks/{hook_id}/tests')
    expect(() => endpoint(org, 'POST', '/hooks/{hook_id}/tests')).toThrow(/repository webhooks only/)
  })
})

test('describeTarget', () => {
  expect(describeTarget(repo)).toBe('repository octo-org/hello-world')
  expect(describeTarget(org)).toBe('organization octo-org')
})
