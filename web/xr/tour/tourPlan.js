/**
 * The tour's itinerary: the map first, then the batch's chapters site by site, each stop
 * with its chapter text and evidence badges, all read from the scene manifest.
 *
 * Pure: no three.js, no DOM, so node's test runner can check it. Every word shown comes from
 * the manifest (story text, and labels translated on the server): nothing here is English.
 */

/** A chapter with more sites than this shows only those with a snapshot (or its first). */
export const MAX_SITES_PER_CHAPTER = 3;

/** Statuses a badge can show; anything else is shown as unknown. */
export const STATUSES = Object.freeze(['ok', 'warn', 'fail', 'unknown']);

/**
 * @typedef {object} Badge an evidence check shown with a chapter
 * @property {string} key
 * @property {string} label the check's name
 * @property {'ok' | 'warn' | 'fail' | 'unknown'} status
 * @property {string} statusLabel the status in words
 * @property {string} figure the check's value formatted for the locale ('' when none)
 */

/**
 * @typedef {object} Stop
 * @property {'map' | 'site'} kind the whole-journey map, or one site
 * @property {string | null} siteId
 * @property {string | null} chapter the chapter's key
 * @property {string} siteName
 * @property {string} kindLabel what the site is (farm, port...), translated
 * @property {string} [capture] who captured the site's 3D view, translated ('' if unknown)
 * @property {string} title the chapter's title
 * @property {string} body the chapter's text
 * @property {Badge[]} badges
 * @property {string | null} snapshot the site's splat tileset URL, if it has one
 */

/**
 * Return the manifest locale to show for `wanted` (exact, then language, then the first).
 * @param {{locales?: string[]}} manifest
 * @param {string} wanted
 * @returns {string}
 */
export function pickLocale(manifest, wanted) {
  const locales = manifest.locales ?? [];
  if (locales.includes(wanted)) return wanted;
  const base = String(wanted).split(/[-_]/)[0].toLowerCase();
  return locales.find((l) => l.split(/[-_]/)[0].toLowerCase() === base) ?? locales[0] ?? wanted;
}

/**
 * Format a check's value for `locale`: ratios as percentages, other numbers with their unit.
 * @param {unknown} value
 * @param {string | null | undefined} unit
 * @param {string} locale
 * @returns {string} '' when there is no value
 */
export function formatFigure(value, unit, locale) {
  if (value === null || value === undefined || value === '') return '';
  if (typeof value !== 'number' || !Number.isFinite(value)) return String(value);
  if (unit === 'ratio') {
    return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(
      value,
    );
  }
  const text = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(value);
  return unit ? `${text} ${unit}` : text;
}

/**
 * @param {string} key
 * @param {{status?: string, value?: unknown, unit?: string | null} | undefined} result
 * @param {{checks?: Record<string, string>, statuses?: Record<string, string>}} labels
 * @param {string} locale
 * @returns {Badge}
 */
function badge(key, result, labels, locale) {
  const raw = result?.status ?? 'unknown';
  const status = /** @type {Badge['status']} */ (STATUSES.includes(raw) ? raw : 'unknown');
  return {
    key,
    label: labels.checks?.[key] ?? key,
    status,
    statusLabel: labels.statuses?.[status] ?? status,
    figure: result ? formatFigure(result.value, result.unit, locale) : '',
  };
}

/**
 * @typedef {object} TourManifest the parts of the scene manifest the tour reads
 * @property {string[]} locales
 * @property {Array<{id: string, kind: string, name: string}>} sites
 * @property {Array<{key: string, site_ids: string[], checks?: string[],
 *   text: Record<string, {title?: string, body?: string}>}>} chapters
 * @property {Array<{key: string, status: string, value?: unknown, unit?: string | null}>}
 *   [evidence]
 * @property {Array<{site: string, tileset: string, capture?: CaptureCredit}>} [snapshots]
 * @property {Record<string, {checks?: Record<string, string>,
 *   statuses?: Record<string, string>, chapters?: Record<string, string>,
 *   kinds?: Record<string, string>, captures?: Record<string, string>}>} [labels]
 */

/**
 * @typedef {object} CaptureCredit who captured a snapshot, as the signed manifest says
 * @property {string} state 'verified', 'untrusted' or 'none'
 * @property {string | null} [signer]
 * @property {string | null} [generator]
 */

/**
 * Return the tour's stops: the map (its body lists the chapters' titles, in order), then for
 * each chapter in order its sites (a chapter with
 * more than MAX_SITES_PER_CHAPTER sites shows those with a snapshot, at most that many, or
 * else its first). A site belongs to the first chapter naming it; sites the manifest does not
 * place are skipped.
 * @param {TourManifest} manifest
 * @param {string} wantedLocale
 * @returns {Stop[]}
 */
export function planTour(manifest, wantedLocale) {
  const locale = pickLocale(manifest, wantedLocale);
  const labels = manifest.labels?.[locale] ?? manifest.labels?.[manifest.locales?.[0]] ?? {};
  const sites = new Map(manifest.sites.map((s) => [s.id, s]));
  const snapshots = new Map((manifest.snapshots ?? []).map((s) => [s.site, s.tileset]));
  const credits = new Map((manifest.snapshots ?? []).map((s) => [s.site, s.capture]));
  const evidence = new Map((manifest.evidence ?? []).map((e) => [e.key, e]));
  /** @type {Stop[]} */
  const stops = [
    {
      kind: 'map',
      siteId: null,
      chapter: null,
      siteName: '',
      kindLabel: '',
      title: '',
      body: '',
      badges: [],
      snapshot: null,
    },
  ];
  const seen = new Set();
  /** @type {string[]} */
  const route = [];
  for (const chapter of manifest.chapters ?? []) {
    const ids = chapter.site_ids.filter((id) => sites.has(id) && !seen.has(id));
    if (ids.length === 0) continue;
    let chosen = ids;
    if (ids.length > MAX_SITES_PER_CHAPTER) {
      chosen = ids.filter((id) => snapshots.has(id)).slice(0, MAX_SITES_PER_CHAPTER);
      if (chosen.length === 0) chosen = [ids[0]];
    }
    const text =
      chapter.text?.[locale] ?? chapter.text?.[manifest.locales?.[0]] ?? Object.values(chapter.text ?? {})[0] ?? {};
    const title = text.title || labels.chapters?.[chapter.key] || chapter.key;
    const badges = (chapter.checks ?? []).map((key) =>
      badge(key, evidence.get(key), labels, locale),
    );
    route.push(title);
    for (const id of chosen) {
      seen.add(id);
      const site = /** @type {{id: string, kind: string, name: string}} */ (sites.get(id));
      const capture = captureLine(credits.get(id), labels.captures);
      stops.push({
        kind: 'site',
        siteId: id,
        chapter: chapter.key,
        siteName: site.name,
        kindLabel: labels.kinds?.[site.kind] ?? '',
        title,
        // who captured the 3D view, after the chapter text ('' without a snapshot)
        body: [text.body ?? '', capture].filter(Boolean).join('\n\n'),
        badges,
        snapshot: snapshots.get(id) ?? null,
        capture,
      });
    }
  }
  // the map's text: the chapters ahead, in order
  stops[0].body = route.join(' → ');
  return stops;
}

/**
 * Return the sentence saying who captured a site's snapshot ('' when it has none).
 * @param {CaptureCredit | undefined} credit
 * @param {Record<string, string> | undefined} templates the translated `captures` labels
 * @returns {string}
 */
export function captureLine(credit, templates) {
  if (!credit || !templates) return '';
  const template = templates[credit.state] ?? templates.none ?? '';
  return fillTemplate(template, { signer: credit.signer ?? '?', app: credit.generator ?? '?' });
}

/**
 * Return the index of the stop after (step 1) or before (step -1) `index`, clamped.
 * @param {number} index
 * @param {number} step
 * @param {number} count
 * @returns {number}
 */
export function stepStop(index, step, count) {
  return Math.min(Math.max(index + step, 0), Math.max(count - 1, 0));
}

/**
 * Fill `{name}` placeholders of a translated template (e.g. "Stop {n} of {total}").
 * @param {string} template
 * @param {Record<string, string | number>} values
 * @returns {string}
 */
export function fillTemplate(template, values) {
  return String(template ?? '').replace(/\{(\w+)\}/g, (whole, name) =>
    name in values ? String(values[name]) : whole,
  );
}
