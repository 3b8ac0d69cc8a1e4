// One lint config for every TypeScript and script file: typescript-eslint's recommended rules, with
// prettier owning layout (eslint-config-prettier turns the layout rules off).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', '.tools/', '.cache/', 'media/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      'no-control-regex': 'off',
    },
  },
  {
    // Type-aware rules, where a promise dropped or passed where a callback's result is ignored loses its
    // error. projectService finds each file's nearest tsconfig (src/webview has its own).
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // checkThenables: VS Code's API returns Thenables, not Promises.
      '@typescript-eslint/no-floating-promises': ['error', { checkThenables: true }],
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  { files: ['bench/rss-hook.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  { files: ['src/webview/**/*.ts'], languageOptions: { globals: { ...globals.browser } } },
  {
    // Tests read untyped JSON from real Codex runs and the mock server; `any` there is the honest type.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { globals: { ...globals.mocha } },
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
