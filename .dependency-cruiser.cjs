/**
 * The import rules of src/ (docs/development.md, "Where things go"), checked by dependency-cruiser in
 * __tests__/layout.test.ts (part of `npm test`) and by `npx depcruise src` for a readable report.
 *
 * Imports point one way: main → the operation table (operations.ts) → operations/ → report/ → jobs/
 * → github/ → model.ts, and main → inputs/ → github/ → model.ts. Type-only imports count: a circle
 * through `import type` is a circle. A folder is used through its face, its index.ts (operations/,
 * whose modules the table lists one by one, has none).
 * @type {import('dependency-cruiser').IConfiguration}
 */
const layer = (name, comment, path, pathNot) => ({ name, comment, severity: 'error', from: { path }, to: { path: pathNot } })

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A module may not reach itself through its imports (type-only imports included).',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true }
    },
    layer('model-is-the-floor', 'model.ts holds the domain types every layer uses: it imports nothing of src/.', '^src/model\\.ts$', '^src/'),
    layer(
      'github-knows-no-job',
      'github/ (client, pacing, endpoints, scopes, errors, redaction) is below everything but model.ts.',
      '^src/github/',
      '^src/(inputs|jobs|report|operations)/|^src/(main|operations|index)\\.ts$'
    ),
    layer(
      'inputs-know-no-job',
      'inputs/ turns inputs and the webhooks file into the request (model.ts); it knows no job, report or operation.',
      '^src/inputs/',
      '^src/(jobs|report|operations)/|^src/(main|operations|index)\\.ts$'
    ),
    layer(
      'jobs-take-the-request-from-the-model',
      'jobs/ runs on a client and a target: it never reads inputs and never presents.',
      '^src/jobs/',
      '^src/(inputs|report|operations)/|^src/(main|operations|index)\\.ts$'
    ),
    layer(
      'report-knows-no-operation',
      'report/ writes outputs and the job summary from results; the operations call it, not the reverse.',
      '^src/report/',
      '^src/(inputs|operations)/|^src/(main|operations|index)\\.ts$'
    ),
    layer(
      'operations-know-no-table',
      'An operation module knows no other operation by the table, and no input: the request comes from model.ts.',
      '^src/operations/',
      '^src/(main|operations|index)\\.ts$|^src/inputs/(?!webhooks-file\\.ts$)'
    ),
    layer('only-index-runs-main', 'index.ts only calls run().', '^src/(?!index\\.ts$)', '^src/main\\.ts$'),
    {
      name: 'through-the-face',
      comment:
        "Another folder is imported through its index.ts; only the webhooks file's reader and writer are imported by path, lazily (import()), to keep yaml and ajv out of the cold start.",
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/(github|inputs|jobs|report)/(?!index\\.ts$)', pathNot: ['^src/$1/'], dependencyTypesNot: ['dynamic-import'] }
    },
    {
      name: 'top-through-the-face',
      comment: 'main.ts and the operation table import the folders through their index.ts (the operation modules one by one).',
      severity: 'error',
      from: { path: '^src/[^/]+\\.ts$' },
      to: { path: '^src/(github|inputs|jobs|report)/(?!index\\.ts$)' }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] }
  }
}
