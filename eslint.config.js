// Lint rules that back security claims: no eval / implied eval / new Function, no
// dangerouslySetInnerHTML, and module boundaries (a module's internals are imported only by itself).
import js from '@eslint/js';
import react from 'eslint-plugin-react';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      'no-script-url': 'error',
      'no-restricted-properties': ['error', { object: 'document', property: 'write', message: 'document.write is an XSS sink.' }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.name='Function']", message: 'Function() compiles strings to code.' },
        { selector: "MemberExpression[property.name='innerHTML']", message: 'innerHTML is an XSS sink; render through React or a sanitiser.' },
        { selector: "MemberExpression[property.name='outerHTML']", message: 'outerHTML is an XSS sink.' },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // A feature module is used through its index.ts only; its queries and tables are its own.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // `../<module>/<file>` or `../../<module>/<file>` (from a module's subdirectory): only a
              // module's index.js, and the shared http/ and observability/ helpers, may be imported.
              regex: '^(\\.\\./)+(?!http/|observability/)[^./][^/]*/(?!index\\.js$)',
              message: 'Import another module through its index.ts (its public surface), not its internals.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['web/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { react, 'react-hooks': reactHooks },
    settings: { react: { version: '19' } },
    rules: {
      ...react.configs.recommended.rules,
      ...react.configs['jsx-runtime'].rules,
      ...reactHooks.configs.recommended.rules,
      'react/no-danger': 'error',
      'react/no-danger-with-children': 'error',
      'react/jsx-no-script-url': 'error',
      'react/jsx-no-target-blank': 'error',
    },
  },
);
