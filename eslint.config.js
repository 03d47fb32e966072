// Type-aware lint as TypeScript projects use it: typescript-eslint's recommended-type-checked
// (floating and misused promises among them). Formatting is Prettier's job, not the linter's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['gen/', 'dist/', 'docs/', 'node_modules/', 'test-results/', 'examples/react/dist/', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // `interface CallData extends Plain<wire.CallData> {}` names a type for the reference page.
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
      // The generated service interface wants Promise-returning handlers; `async` is how they say it.
      '@typescript-eslint/require-await': 'off',
      // Ids and JSON text exclude U+0000-U+001F on purpose, and the regexes that check them say so.
      'no-control-regex': 'off',
      // `let server; const handler = () => server.x; server = ...`: a closure made before the value exists reads it.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
);
