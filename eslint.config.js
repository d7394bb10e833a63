// ESLint (flat config): the layering of core, and a few recommended rules that hold everywhere.
// Type errors and unused code are `npm run typecheck` (tsc over functions/, core/, hsm-bridge/
// and the root tsconfig.json; tsconfig.base.json: strict, noUnusedLocals, noUnusedParameters);
// `npm run lint` runs both. No formatting rules.
import { builtinModules } from 'node:module'
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

// core/domain and core/crypto run unchanged in workerd, in Node and in tests on fakes: they see
// the platform only through ports (core/domain/ports.ts, core/crypto/asymmetric/rsa-engine.ts)
// whose implementations live elsewhere (core/store, core/platform, core/hsm-client, functions).
const LAYER_MESSAGE =
  'core/domain and core/crypto stay platform-free: reach the platform through a port ' +
  '(core/domain/ports.ts, core/crypto/asymmetric/rsa-engine.ts) implemented outside them (core/platform, core/store, functions/).'
const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('_') && !name.includes(':'))

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.data/**',
      '**/.wrangler/**',
      'bench/results/**',
      'coverage/**',
      'test-artifacts/**',
      // The browser console is plain JS served as is; functions/console-assets.generated.ts is
      // generated from it (scripts write it; never edited by hand).
      'console/**',
      'functions/console-assets.generated.ts',
    ],
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    rules: {
      // tsc reports unused locals and parameters (tsconfig.base.json); `_`-named bindings in
      // destructuring are how the code drops fields on purpose.
      '@typescript-eslint/no-unused-vars': 'off',
      // Production code has no `any` (two commented exceptions in core/store); tests, scripts and
      // bench drive SDKs through ~40 of them, so the rule is on for the shipped code only (below).
      '@typescript-eslint/no-explicit-any': 'off',
      // Sanitisers strip control characters on purpose (audit fields, logs, names).
      'no-control-regex': 'off',
      // Escapes such as `[._\-]` in character classes are harmless and often clearer.
      'no-useless-escape': 'off',
      // `catch {}` where a failed best-effort parse keeps a default.
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['core/**/*.ts', 'functions/**/*.ts', 'hsm-bridge/**/*.ts'],
    ignores: ['**/*.test.ts', 'hsm-bridge/test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
  {
    // Tests cross-check against node:crypto, openssl and files on disk: only production code
    // is held to the layering.
    files: ['core/domain/**/*.ts', 'core/crypto/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['hono', 'dynamodb-toolbox', ...nodeBuiltins].map((name) => ({ name, message: LAYER_MESSAGE })),
          patterns: [
            { group: ['hono/*', 'dynamodb-toolbox/*', '@aws-sdk/*', '@smithy/*', 'cloudflare:*', 'node:*'], message: LAYER_MESSAGE },
          ],
        },
      ],
    },
  },
)
