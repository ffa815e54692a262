/**
 * The baseline of `npm run bench`'s cold-start comparison: what `actions/github-script` does inside
 * for a webhook list — `getOctokit(token).rest.repos.listWebhooks` once, then one output — bundled
 * with ncc like the action. Never shipped; the bench builds it into a temporary folder.
 */
import * as core from '@actions/core'
import { getOctokit } from '@actions/github'

const [owner, repo] = core.getInput('repository').split('/')
const octokit = getOctokit(core.getInput('token'), { baseUrl: core.getInput('api_url') })
const { data } = await octokit.rest.repos.listWebhooks({ owner, repo })
core.setOutput('hooks', JSON.stringify(data))
