// ESLint for the browser scripts of the web map (layers/webmap/js) and the app (ui/js). Run
// from the repository root:
//   npx --prefix scripts/eslint eslint -c scripts/eslint/eslint.config.js layers ui
// Each file is one function expression that Python calls with its target and a JSON
// payload (layers/webmap/map_scripts.py), so the files are classic scripts, not modules, and
// their one statement is an expression (no-unused-expressions stays off).
const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
  // Third-party code, vendored unchanged (layers/webmap/vendor/*/README.md): not ours to lint.
  { ignores: ["**/vendor/**"] },
  js.configs.recommended,
  {
    files: ["**/*.js"],
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: "script",
      globals: { ...globals.browser, L: "readonly" },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      eqeqeq: "error",
      "no-implied-eval": "error",
      "no-eval": "error",
      "no-shadow": "error",
      "no-var": "off",
    },
  },
];
