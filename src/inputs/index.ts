/**
 * The inputs, made into one validated request (src/model.ts `WebhookRequest`) before the first
 * request to GitHub: secrets masked first (./credentials.ts), every input parsed and checked against
 * the operation and scope (./input-helper.ts, ./values.ts, ./targets.ts, ./operation-inputs.ts), and
 * the webhooks file of `plan` / `apply` read and validated (./webhooks-file.ts, loaded only for them).
 */
export { maskSecretInputs } from './credentials.js'
export { ACTION_DEFAULTS, getRequest, InputError, loadWebhooksFile, type InputReader } from './input-helper.js'
export { inputNames } from './operation-inputs.js'
