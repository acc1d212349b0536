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
const SPACES = /\s+/gu;

/**
 * The comparable form of a text: NFKC (compatibility forms folded: full-width letters, ligatures,
 * circled and styled letters become plain ones), lower case, invisible characters removed, runs
 * of whitespace as one space, trimmed.
 */
export function normalizeText(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(INVISIBLE, "").replace(SPACES, " ").trim();
}
