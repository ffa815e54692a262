/**
 * The second reference of `npm run bench`'s cold-start comparison: the baseline
 * (`list-webhooks.ts`) with the two Octokit plugins the action must carry, `@octokit/plugin-retry`
 * (which `actions/github-script` loads too) and `@octokit/plugin-throttling`, set up as
 * `src/client.ts` sets them up. The difference between the two baselines is what the plugins cost a
 * one-request step; the difference between this one and the action is the action's own. Never
 * shipped; the bench builds it into a temporary folder.
 */
import * as core from '@actions/core'
import { getOctokit } from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'

const [owner, repo] = core.getInput('repository').split('/')
const octokit = getOctokit(
  core.getInput('token'),
  { baseUrl: core.getInput('api_url'), throttle: { onRateLimit: () => false, onSecondaryRateLimit: () => false } },
  retry,
  throttling
)
const { data } = await octokit.rest.repos.listWebhooks({ owner, repo })
core.setOutput('hooks', JSON.stringify(data))
