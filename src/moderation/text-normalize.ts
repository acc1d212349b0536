/**
 * How moderation compares texts: blocked terms and unique chat see a message the same way, so
 * neither case, spacing nor invisible characters get one past them.
 */

/**
 * Characters that show nothing: format characters (zero-width spaces and joiners, bidi marks, the
 * BOM), other default-ignorable code points (variation selectors, Hangul fillers) and the blank
 * braille pattern. Someone who types "b\u200Bad" means "bad".
 */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]/gu;
// Without the u flag: \s is Unicode whitespace either way, and this is several times faster.
const SPACES = /\s+/g;
/** Printable ASCII and whitespace: nothing to fold but case, nothing invisible (the common chat line). */
const PLAIN_ASCII = /^[\x09-\x0d\x20-\x7e]*$/;

/**
 * The comparable form of a text: NFKC (compatibility forms folded: full-width letters, ligatures,
 * circled and styled letters become plain ones), lower case, invisible characters removed, runs
 * of whitespace as one space, trimmed.
 */
export function normalizeText(text: string): string {
  const folded = PLAIN_ASCII.test(text) ? text.toLowerCase() : text.normalize("NFKC").toLowerCase().replace(INVISIBLE, "");
  return folded.replace(SPACES, " ").trim();
}
