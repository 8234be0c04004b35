/**
 * Which snapshot a tour reaches first, for what loads ahead of it (the viewer on a tour's
 * tap, the idle warm-up): tour/tourPlan.js visits the chapters in order, site by site.
 */

/**
 * @param {{chapters?: Array<{site_ids: string[]}>,
 *   snapshots?: Array<{site: string, tileset: string}>}} manifest the scene manifest
 * @returns {{site: string, tileset: string} | undefined}
 */
export function firstTourSnapshot(manifest) {
  const snapshots = manifest.snapshots ?? [];
  for (const chapter of manifest.chapters ?? []) {
    for (const siteId of chapter.site_ids) {
      const found = snapshots.find((s) => s.site === siteId);
      if (found) return found;
    }
  }
  return snapshots[0];
}
