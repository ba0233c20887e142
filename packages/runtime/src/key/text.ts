/**
 * Text in a key's encoding. The hash reads it as UTF-8, which writes every
 * lone surrogate as U+FFFD: text with one must take another form, or two
 * different texts would key alike.
 */
const isWellFormed = (String.prototype as unknown as { isWellFormed: (this: string) => boolean }).isWellFormed;

/** Whether `text` has no lone surrogate (which UTF-8, and so the hash, would write as U+FFFD). */
export function wellFormed(text: string): boolean {
  return isWellFormed.call(text);
}

/**
 * A source text's encoding after its tag: `<length>:<text>`, or `~<length>:<JSON>`
 * for text with a lone surrogate (UTF-8 would write it as U+FFFD, like any other).
 * A digit or `~` after the tag tells the two forms apart.
 */
export function sizedText(text: string): string {
  if (isWellFormed.call(text)) return `${text.length}:${text}`;
  const json = JSON.stringify(text);
  return `~${json.length}:${json}`;
}
