/**
 * The second reference of `npm run bench`'s cold-start comparison: the baseline
 * (`list-webhooks.ts`) with the Octokit plugin the action carries, `@octokit/plugin-retry` (which
 * `actions/github-script` loads too), set up as `src/github/client.ts` sets it up. The difference between
 * the two baselines is what the plugin costs a one-request step; the difference between this one and
 * the action is the action's own (its pacing layer included). Never shipped; the bench builds it into
 * a temporary folder.
 */
import * as core from '@actions/core'
import { getOctokit } from '@actions/github'
import { retry } from '@octokit/plugin-retry'

const [owner, repo] = core.getInput('repository').split('/')
const octokit = getOctokit(core.getInput('token'), { baseUrl: core.getInput('api_url') }, retry)
const { data } = await octokit.rest.repos.listWebhooks({ owner, repo })
core.setOutput('hooks', JSON.stringify(data))
