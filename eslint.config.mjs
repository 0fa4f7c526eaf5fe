// @ts-check
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Node built-ins as both `fs` and `node:fs`: workflow code runs in Temporal's sandbox, where they do not exist.
 * A regex, not a glob: a glob `domain/*` (node:domain) would also match `../domain/operations`.
 */
const nodeBuiltins = `^(node:.*|(${builtinModules.map((m) => m.replace(/[/]/g, '\\/')).join('|')})(\\/.*)?)$`;

/** Layers a workflow may not reach: anything with side effects, or code that is not deterministic. */
const sideEffectLayers = '^(\\.\\./)+(db|compute|traffic|src|api|cli|metrics|bench|ports|notifications)(/|$)';

/** The import rules of workflow code, for files at one depth below workflows/. */
function workflowImports(files, activitiesLayer) {
  return {
    files: [files],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: nodeBuiltins, message: 'workflow code runs in the Temporal sandbox: no Node built-ins (do it in an activity)' },
            { group: ['@temporalio/*', '!@temporalio/workflow'], message: 'workflows import only @temporalio/workflow' },
            { regex: sideEffectLayers, message: 'workflows must stay deterministic: side effects live in activities/' },
            {
              regex: activitiesLayer,
              allowTypeImports: true,
              message: 'workflows may import activity types only (`import type`); call activities through proxyActivities',
            },
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.slipway/**', 'examples/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // An unawaited promise is an unhandled rejection waiting to happen (and a lost error in a workflow).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      // `_`-prefixed names are the codebase's way of saying "unused on purpose" (destructuring a field away).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  // STYLE.md rule 2: workflows import only @temporalio/workflow, pure domain code and activity *types*.
  // `activities` is the activity layer one level up from workflows/*.ts and two from workflows/*/*.ts
  // (workflows/activities.ts, the proxied stubs, is workflow code and allowed).
  workflowImports('workflows/*.ts', '^\\.\\./activities(/|$)'),
  workflowImports('workflows/*/**/*.ts', '^\\.\\./\\.\\./activities(/|$)'),
  {
    // Tests and benchmarks read JSON answers of many shapes; typing each one would only restate the API schemas.
    files: ['tests/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Kysely's own convention: migrations take Kysely<any> because they must not depend on today's table types.
    files: ['db/migrations/**/*.ts', 'db/migrate.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', 'bin/*'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        __filename: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
