/**
 * Terraform reads `${` and `%{` in every string of the configuration as the start of a
 * template. Text that must arrive as written (configuration values, workflow files full of
 * `${{ ... }}`) is escaped here, once, before it reaches a construct.
 */

/** A string Terraform reads back as exactly `text`. */
export function terraformLiteral(text: string): string {
  // Replacer functions, because '$$' in a replacement string means a single '$'.
  return text.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}

/**
 * The same data with every string, object keys included, made literal: what a stack does
 * with its configuration, so no value from a file can become a Terraform expression.
 */
export function literalStrings<T>(value: T): T {
  if (typeof value === 'string') return terraformLiteral(value) as T;
  if (Array.isArray(value)) return value.map(literalStrings) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [terraformLiteral(k), literalStrings(v)]),
    ) as T;
  }
  return value;
}
