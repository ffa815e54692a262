/**
 * The Markdown plan (issue 27, "a plan that fits and reads"): rows grouped by entry and change with
 * their targets under a fold, unchanged rows folded into a count, hook ids, query values redacted with
 * a short stable hash, and the cap under GitHub's 65,536-character comment limit, with 5,000 targets.
 */
import { describe, expect, test } from '@jest/globals'
import type { PlanItem } from '../src/jobs/index.js'
import { COMMENT_LIMIT, PLAN_COMMENT_CAP, PLAN_SUMMARY_CAP, planMarkdown } from '../src/operations/plan.js'
import { redact, redactUrlHashed, type Target } from '../src/github/index.js'

const repo = (i: number): Target => ({ scope: 'repo', owner: 'octo-org', repo: `service-${String(i).padStart(4, '0')}` })
const URL_ = 'https://deploy.example.com/github'

/** One plan item of entry `name` on repository `i`. */
function item(name: string, i: number, action: PlanItem['action'], extra: Partial<PlanItem> = {}): PlanItem {
  return { name, target: repo(i), action, changes: [], url: URL_, hook_id: action === 'create' ? undefined : 900_000 + i, ...extra }
}

describe('planMarkdown', () => {
  test('groups rows by entry and change, folds the targets and the unchanged rows, and names the hook ids', () => {
    const events = { field: 'events' as const, from: ['push'], to: ['push', 'release'] }
    const plan = [
      ...Array.from({ length: 36 }, (_, i) => item('deploy', i, 'update', { changes: [events] })),
      ...Array.from({ length: 200 }, (_, i) => item('deploy', 100 + i, 'unchanged')),
      item('deploy', 400, 'create', { changes: [{ field: 'url', from: null, to: URL_ }] }),
      item('prune', 401, 'delete', { url: 'https://deploy.example.com/stale', note: 'matches prune and no entry declares it' })
    ]
    const markdown = planMarkdown(plan, '.github/webhooks.yml')
    expect(markdown).toContain('### Webhooks plan: .github/webhooks.yml')
    expect(markdown).toContain('- **✏️ update** 36 repositories: events: push → push, release')
    expect(markdown).toContain('<details><summary>36 repositories</summary>')
    expect(markdown).toContain('- repository octo-org/service-0035 (hook 900035)')
    // 200 unchanged rows: one count, no row each.
    expect(markdown).toContain('- **✅ unchanged** 200 repositories')
    expect(markdown).not.toContain('service-0150')
    expect(markdown).toContain('**🗑️ delete** repository octo-org/service-0401 (hook 900401): https://deploy.example.com/stale')
    expect(markdown).toMatch(/\*\*➕ create\*\* repository octo-org\/service-0400: url: none → /)
    expect(markdown).not.toContain('left out')
  })

  test('a query value shows redacted with a short stable hash: two URLs that differ only there are told apart, the value never shown', () => {
    const v2 = redactUrlHashed('https://deploy.example.com/hook?v=2')
    const v3 = redactUrlHashed('https://deploy.example.com/hook?v=3')
    expect(v2).toMatch(/^https:\/\/deploy\.example\.com\/hook\?v=\*\*\*#[0-9a-f]{4}$/)
    expect(v3).not.toBe(v2)
    expect(redactUrlHashed('https://deploy.example.com/hook?v=2')).toBe(v2)
    // Several credential parts, a password, a fragment: none shown, and the hash survives redact() of the whole text.
    for (const url of ['https://u:pa55word@deploy.example.com/h?a=1&b=xyz-long-value-77', 'https://deploy.example.com/h?a=1#token=zz-secret-99']) {
      const shown = redactUrlHashed(url)
      for (const value of ['pa55word', 'xyz-long-value-77', 'zz-secret-99', 'a=1']) expect(shown).not.toContain(value)
      expect(shown).toMatch(/#[0-9a-f]{4}\)?$/)
      expect(redact(`row: ${shown} (hook 1)`)).toBe(`row: ${shown} (hook 1)`)
    }
    const token = 'tok-9f8e7d6c5b4a3'
    const plan = [
      item('prune', 1, 'delete', { url: `https://deploy.example.com/hook?v=${token}` }),
      item('deploy', 2, 'move-url', { changes: [{ field: 'url', from: `https://deploy.example.com/hook?key=${token}`, to: URL_ }] })
    ]
    const markdown = planMarkdown(plan, 'webhooks.yml')
    expect(markdown).not.toContain(token)
    expect(markdown).toMatch(/hook\?v=\*\*\*#[0-9a-f]{4}/)
    expect(markdown).toMatch(/url: https:\/\/deploy\.example\.com\/hook\?key=\*\*\*#[0-9a-f]{4} → https:\/\/deploy\.example\.com\/github/)
  })

  test('5,000 targets with every kind of change stay under the cap, and say how many rows were left out and where the whole plan is', () => {
    const kinds: PlanItem['action'][] = ['create', 'move-url', 'update', 'write-secret', 'delete', 'ambiguous', 'failed', 'unchanged']
    const plan = Array.from({ length: 5_000 }, (_, i): PlanItem => {
      const action = kinds[i % kinds.length]
      const name = `entry-${i % 7}`
      // Every row different (its own old URL, events, error), so that nothing groups: the worst case.
      if (action === 'create') return item(name, i, action, { changes: [{ field: 'url', from: null, to: `${URL_}?n=${i}` }] })
      if (action === 'move-url') return item(name, i, action, { changes: [{ field: 'url', from: `${URL_}?old=${i}`, to: URL_ }] })
      if (action === 'update') return item(name, i, action, { changes: [{ field: 'events', from: ['push'], to: ['push', `e${i}`] }] })
      if (action === 'write-secret') return item(name, i, action, { changes: [{ field: 'secret', from: 'unproven', to: 'set' }] })
      if (action === 'delete') return item('prune', i, action, { url: `https://deploy.example.com/stale/${i}?v=${i}`, note: 'matches prune' })
      if (action === 'ambiguous') return item(name, i, action, { error: `2 webhooks (${i}1, ${i}2) are at the entry's url` })
      if (action === 'failed') return item(name, i, action, { error: `its webhooks could not be listed: 403 for ${i}` })
      return i % 16 === 7
        ? item(name, i, action, { finding: `the receiver answered 401 to the delivery that proves the secret (delivery ${i})` })
        : item(name, i, action, { note: 'not checked (no secret in this run)' })
    })
    const markdown = planMarkdown(plan, '.github/webhooks.yml')
    expect(markdown.length).toBeLessThanOrEqual(PLAN_COMMENT_CAP)
    expect(markdown.length).toBeLessThan(COMMENT_LIMIT)
    const left =
      /> ⚠️ ([\d,]+) of ([\d,]+) rows are left out here .*The whole plan: this run's job summary, and the step's JSON output `plan`\./.exec(markdown)
    expect(left).not.toBeNull()
    const rows = plan.filter((row) => row.action !== 'unchanged' || row.finding !== undefined).length
    expect(left?.[2]).toBe(rows.toLocaleString('en-US'))
    // The rows shown plus the rows left out are all the rows.
    // A row is a one-target line, or a target under a fold.
    const shown = markdown.split('\n').filter((line) => /^- \*\*[^*]+\*\* repository /.test(line) || line.startsWith('  - ')).length
    expect(shown + Number(left?.[1].replace(/,/g, ''))).toBe(rows)
    expect(markdown.match(/<details>/g)?.length ?? 0).toBe(markdown.match(/<\/details>/g)?.length ?? 0)
    // The job summary's cap holds them all.
    const summary = planMarkdown(plan, '.github/webhooks.yml', { cap: PLAN_SUMMARY_CAP })
    expect(summary).not.toContain('left out')
    expect(summary.length).toBeLessThan(PLAN_SUMMARY_CAP)
  })
})
