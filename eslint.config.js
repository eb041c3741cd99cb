// typescript-eslint's recommended type-checked rules over everything the
// project type-checks; Prettier owns formatting, so the one stylistic rule is max-len.
import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'docs/api/**', 'node_modules/**', 'artifacts/**', 'bench/results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    plugins: { '@stylistic': stylistic },
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `_name` marks what is left out on purpose (a rest's omitted keys, an interface's unused parameter).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // `async` states a contract (a throw becomes a rejection) that an implementation keeps without awaiting.
      '@typescript-eslint/require-await': 'off',
      // A `let` that a closure reads before its one assignment (a server's routes asking for the server) stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Prettier (width 120) does not break strings, comments or template literals; this holds them to 120 too.
      '@stylistic/max-len': ['error', { code: 120, tabWidth: 2, ignoreUrls: true }],
    },
  },
  {
    // chai's property assertions (`expect(x).to.be.true`) are expressions by design.
    files: ['spec/**/*.ts'],
    rules: { '@typescript-eslint/no-unused-expressions': 'off' },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
