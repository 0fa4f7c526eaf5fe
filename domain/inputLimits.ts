/**
 * Limits on what one request may carry, set once here: past them the API answers 400 naming
 * the field instead of handing Postgres more than it takes (its 65,535 bind parameters, NUL in
 * text) or recursing through a body until the stack runs out.
 */
export const INPUT_LIMITS = {
  /** Env keys one request may set (also: names in unset and secretEnv). */
  envKeys: 500,
  /** Characters in one env value. */
  envValueChars: 64 * 1024,
  /** Characters of all env values of one request together. */
  envTotalChars: 512 * 1024,
  /** Nesting of objects and arrays in a JSON body; a release manifest needs 5. */
  jsonDepth: 32,
} as const;

/** Postgres text cannot hold U+0000, and no name, command or value needs it. */
export const hasNul = (s: string): boolean => s.includes('\u0000');
