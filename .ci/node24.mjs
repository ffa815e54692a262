#!/usr/bin/env node
// Runs a command under Node 24 or later, as the action runs (`runs.using: node24`): directly when
// the running Node is 24+, otherwise through `npx -p node@24` (about 190 MB on first use, then
// cached), saying so. Used by `npm test`, `npm run demo` and `npm run bench`.
//   node .ci/node24.mjs <command> [args…]     e.g. node .ci/node24.mjs tsx emulator/demo.ts
import { spawnSync } from 'node:child_process'

const [command, ...args] = process.argv.slice(2)
if (!command) {
  console.error('usage: node .ci/node24.mjs <command> [args…]')
  process.exit(2)
}
const major = Number(process.versions.node.split('.')[0])
const run =
  major >= 24
    ? spawnSync(command, args, { stdio: 'inherit', shell: process.platform === 'win32' })
    : (console.error(`Node ${process.versions.node} is older than 24: running '${command}' under Node 24 through npx -p node@24.`),
      spawnSync('npx', ['-y', '-p', 'node@24', '--', command, ...args], { stdio: 'inherit', shell: process.platform === 'win32' }))
if (run.error) {
  console.error(run.error.message)
  process.exit(1)
}
process.exit(run.status ?? 1)
