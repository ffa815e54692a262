/**
 * The import rules of src/ (docs/development.md, "Where things go"), checked by dependency-cruiser in
 * __tests__/layout.test.ts (part of `npm test`) and by `npx depcruise src` for a readable report.
 *
 * Imports point one way: main → the operation table → operations/ → jobs/ → github/ → model, with
 * report/ between operations/ and jobs/, and inputs/ beside them (inputs → github → model). Type-only
 * imports count: a circle through `import type` is a circle.
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
    layer('only-index-runs-main', 'index.ts only calls run().', '^src/(?!index\\.ts$)', '^src/main\\.ts$')
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] }
  }
}
