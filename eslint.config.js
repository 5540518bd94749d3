// Lint rules for Portunus: typescript-eslint with type information, plus the import directions of
// docs/architecture.md ("Direction of dependencies") as no-restricted-imports rules per folder.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import { dependencyRules } from './scripts/dependency-rules.js';

// A thrown value turned into text is logging/error-text.ts's job (errorText, errorDetail), not a ternary at every catch.
const errorTextSyntax = {
  selector: "ConditionalExpression[test.operator='instanceof'][test.right.name='Error'][alternate.type='CallExpression'][alternate.callee.name='String']",
  message: "Use errorText(err) or errorDetail(err) from src/logging/error-text.ts instead of 'err instanceof Error ? ... : String(err)'.",
};

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'test/.cache/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // From recommendedTypeChecked, named here because a server must not lose a rejection or let `any` cross a module.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      // Added:
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }], // the dependency rules tell a type-only import from runtime code
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/return-await': ['error', 'in-try-catch'], // inside try, a returned promise must be awaited to be caught
      eqeqeq: ['error', 'always', { null: 'ignore' }], // `x == null` is the one idiom for null-or-undefined
      'no-restricted-syntax': ['error', errorTextSyntax],
      // Adjusted:
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }], // `_x` marks a parameter an interface imposes
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }], // numbers, booleans and null in log lines are intended; any and RegExp are not
      '@typescript-eslint/require-await': 'off', // an async function without await meets a Promise-returning signature (request tables, fakes) and turns a throw into a rejection
      'no-control-regex': 'off', // the request guards and the RTSP parser reject control characters with a regex on purpose
    },
  },
  ...dependencyRules(errorTextSyntax),
  {
    files: ['test/**/*.ts', 'support/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] }], // node:test awaits what describe/it return
      '@typescript-eslint/unbound-method': 'off', // tests destructure fixtures and keep prototype methods to patch and restore them
    },
  },
  {
    // Plain JS (this file, scripts/): no type information.
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      sourceType: 'module',
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
  },
  {
    // The demo pages' scripts: browser modules (janus.js imported by demo.js).
    files: ['demos/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        ['window', 'document', 'location', 'navigator', 'console', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'URLSearchParams', 'MediaStream', 'fetch'].map((g) => [g, 'readonly']),
      ),
    },
  },
);
