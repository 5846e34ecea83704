// Lint rules: typescript-eslint's recommended set, React hooks in the web app, and the import
// boundaries the architecture depends on (core stays pure; web features stand alone).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const nodeAndFrameworks = [
  { group: ['node:*', 'fs', 'path', 'child_process', 'os', 'net'], message: 'core is pure: reach the host through a port' },
  { group: ['fastify', 'fastify/*', '@fastify/*'], message: 'core knows no HTTP framework' },
  { group: ['react', 'react-dom', 'react/*'], message: 'core knows no UI' },
  { group: ['@strata/qemu', '@strata/uml', '@strata/host', '@strata/guest'], message: 'core reaches drivers through ports' },
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.cache/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['packages/core/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: nodeAndFrameworks }] },
  },
  {
    files: ['apps/web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  { files: ['apps/web/public/**/*.js'], languageOptions: { globals: { ...globals.browser } } },
  {
    // A feature reaches shared code (api, components, shared), never another feature.
    files: ['apps/web/src/features/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^\\.\\./(?!\\.\\./)', message: 'features do not import each other: move shared code to components/ or shared/' },
            { regex: '/features/', message: 'features do not import each other' },
          ],
        },
      ],
    },
  },
);
