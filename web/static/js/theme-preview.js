/**
 * Live colour swatches on the studio's theme page: as an editor types a colour, its swatch
 * and the preview follow. Without JavaScript the "Preview colours" button asks the server
 * for the same preview, with the contrast results; the server decides what may be saved.
 */

const HEX = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i;
/** Preview custom properties, by colour field. */
const VARS = { primary: '--p', accent: '--a', background: '--b', text: '--t' };

/**
 * Return `value` as #rrggbb, or null when it is not a hex colour.
 * @param {string} value
 * @returns {string | null}
 */
export function normalHex(value) {
  const match = HEX.exec(value.trim());
  if (!match) return null;
  const digits = match[1].length === 3 ? [...match[1]].map((c) => c + c).join('') : match[1];
  return `#${digits.toLowerCase()}`;
}

/**
 * Wire every colour field of the theme form to its swatch and the preview.
 * @param {Document} doc
 */
export function startThemePreview(doc) {
  const preview = doc.querySelector('.theme-preview');
  for (const [field, cssVar] of Object.entries(VARS)) {
    const input = doc.getElementById(`colour-${field}`);
    const swatch = doc.querySelector(`.swatch-${field}`);
    if (!input || !swatch) continue;
    input.addEventListener('input', () => {
      const colour = normalHex(input.value);
      if (!colour) return;
      swatch.style.backgroundColor = colour; // CSSOM: allowed by the page's CSP
      preview?.style.setProperty(cssVar, colour);
    });
  }
}

startThemePreview(document);
