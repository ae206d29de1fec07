// Lint rules: typescript-eslint's recommended set, plus the house rules from DESIGN.md
// (no default exports; require() only where the serialized provider needs it).
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "examples/**/node_modules/**"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "no-restricted-syntax": ["error", { selector: "ExportDefaultDeclaration", message: "Use named exports (house rule: no default exports)." }],
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "eqeqeq": ["error", "always", { null: "ignore" }],
      // `import x = require()` is how TypeScript imports an `export =` module (the provider objects).
      "@typescript-eslint/no-require-imports": ["error", { allowAsImport: true }],
      "no-console": ["error", { allow: ["error", "warn"] }],
    },
  },
  {
    files: ["test/**/*.ts", "src/emulators/cli.ts", "scripts/**", "examples/**/*.ts"],
    rules: { "no-console": "off" },
  },
  {
    // Plain Node scripts (CommonJS, run without a build step).
    files: ["scripts/**/*.js", "scripts/gen-sdks"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
