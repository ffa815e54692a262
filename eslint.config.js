// ESLint flat config: typescript-eslint's recommended rules for the action, its tests and the
// emulator (tsc --noEmit already type-checks everything, so the slower type-aware rules are not
// used); Prettier owns formatting (eslint-config-prettier turns the style rules off).
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'build/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always'],
      'no-console': ['error', { allow: ['error', 'warn'] }]
    }
  },
  {
    // The emulator's tools (server CLI, demo, bench) print to the terminal.
    files: ['emulator/**'],
    rules: { 'no-console': 'off' }
  },
  prettier
)
