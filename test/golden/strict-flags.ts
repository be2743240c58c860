/** The compiler settings users turn on that generated code and the runtime's declarations must pass. */

/** Each setting with the first TypeScript version that has it. */
const settings: readonly (readonly [flag: string, since: string])[] = [
  ["strict", "2.3"],
  ["exactOptionalPropertyTypes", "4.4"],
  ["noUncheckedIndexedAccess", "4.1"],
  ["noUnusedLocals", "2.0"],
  ["noUnusedParameters", "2.0"],
  ["noImplicitOverride", "4.3"],
  ["noPropertyAccessFromIndexSignature", "4.2"],
  ["isolatedModules", "1.5"],
  ["verbatimModuleSyntax", "5.0"],
  ["erasableSyntaxOnly", "5.8"],
];

/** The settings TypeScript `version` (`major.minor.patch`) has. */
export function strictFlags(version: string): string[] {
  const [major, minor] = version.split(".").map(Number) as [number, number];
  return settings
    .filter(([, since]) => {
      const [m, n] = since.split(".").map(Number) as [number, number];
      return major > m || (major === m && minor >= n);
    })
    .map(([flag]) => flag);
}
