import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MAX_SITES_PER_CHAPTER,
  captureLine,
  fillTemplate,
  formatFigure,
  pickLocale,
  planTour,
  stepStop,
} from './tourPlan.js';

/** A manifest as workers/scene/manifest.py writes it, cut down to what the tour reads. */
function manifest() {
  return {
    locales: ['en', 'de'],
    sites: [
      { id: 'farm-1', kind: 'farm', name: 'Farm 1' },
      { id: 'farm-2', kind: 'farm', name: 'Farm 2' },
      { id: 'farm-3', kind: 'farm', name: 'Farm 3' },
      { id: 'farm-4', kind: 'farm', name: 'Farm 4' },
      { id: 'coop', kind: 'cooperative', name: 'Co-op' },
      { id: 'port', kind: 'port', name: 'Port' },
    ],
    chapters: [
      {
        key: 'farms',
        site_ids: ['farm-1', 'farm-2', 'farm-3', 'farm-4', 'farm-9'],
        checks: ['deforestation', 'known_origin_share', 'child_labour'],
        text: { en: { title: 'The farms', body: 'Grown here.' }, de: { title: 'Die Höfe', body: 'Hier.' } },
      },
      { key: 'cooperative', site_ids: ['coop'], checks: [], text: { en: {}, de: {} } },
      { key: 'empty', site_ids: ['nowhere'], checks: [], text: {} },
      { key: 'shipping', site_ids: ['coop', 'port'], text: { en: { title: 'Shipping' } } },
    ],
    evidence: [
      { key: 'deforestation', status: 'warn', value: null, unit: null },
      { key: 'known_origin_share', status: 'ok', value: 0.975, unit: 'ratio' },
      { key: 'child_labour', status: 'strange' },
    ],
    snapshots: [
      { site: 'farm-3', tileset: '/blobs/t3' },
      { site: 'port', tileset: '/blobs/tp' },
    ],
    labels: {
      en: {
        checks: { deforestation: 'Deforestation since 2020', known_origin_share: 'Known origin' },
        statuses: { ok: 'OK', warn: 'Warning', fail: 'Problem found', unknown: 'Unknown' },
        chapters: { cooperative: 'The cooperative' },
        kinds: { farm: 'Farm', port: 'Port' },
      },
      de: {
        checks: { deforestation: 'Entwaldung seit 2020' },
        statuses: { warn: 'Warnung', unknown: 'Unbekannt' },
        chapters: {},
        kinds: { farm: 'Hof' },
      },
    },
  };
}

describe('planTour', () => {
  it('starts at the map and follows the chapters site by site', () => {
    const stops = planTour(manifest(), 'en');
    assert.equal(stops[0].kind, 'map');
    assert.deepEqual(
      stops.slice(1).map((s) => [s.chapter, s.siteId]),
      [
        ['farms', 'farm-3'], // over the limit: only the farm with a snapshot
        ['cooperative', 'coop'],
        ['shipping', 'port'], // coop already shown in its own chapter
      ],
    );
    assert.equal(stops[1].snapshot, '/blobs/t3');
    assert.equal(stops[2].snapshot, null);
    assert.equal(stops[1].kindLabel, 'Farm');
  });

  it('shows every site of a small chapter, and the first of a big one without snapshots', () => {
    const small = manifest();
    small.chapters[0].site_ids = ['farm-1', 'farm-2'];
    assert.deepEqual(
      planTour(small, 'en').filter((s) => s.chapter === 'farms').map((s) => s.siteId),
      ['farm-1', 'farm-2'],
    );
    const bare = manifest();
    bare.snapshots = [];
    const farms = planTour(bare, 'en').filter((s) => s.chapter === 'farms');
    assert.deepEqual(farms.map((s) => s.siteId), ['farm-1']);
    assert.ok(MAX_SITES_PER_CHAPTER >= 2);
  });

  it('takes chapter text and labels from the manifest, with its fallbacks', () => {
    const [, farm, coop, port] = planTour(manifest(), 'en');
    assert.equal(farm.title, 'The farms');
    assert.equal(farm.body, 'Grown here.');
    assert.equal(coop.title, 'The cooperative', 'an untitled chapter takes the translated name');
    assert.equal(port.title, 'Shipping');
  });

  it('gives each badge its name, status in words and figure; odd or missing is unknown', () => {
    const [, farm] = planTour(manifest(), 'en');
    assert.deepEqual(
      farm.badges.map((b) => [b.key, b.label, b.status, b.statusLabel]),
      [
        ['deforestation', 'Deforestation since 2020', 'warn', 'Warning'],
        ['known_origin_share', 'Known origin', 'ok', 'OK'],
        ['child_labour', 'child_labour', 'unknown', 'Unknown'],
      ],
    );
    assert.equal(farm.badges[0].figure, '');
    assert.equal(farm.badges[1].figure, '97.5%');
    const noResult = manifest();
    noResult.evidence = [];
    const badges = planTour(noResult, 'en')[1].badges;
    assert.ok(badges.every((b) => b.status === 'unknown' && b.statusLabel === 'Unknown'));
  });

  it('speaks the page locale, matching by language, else the first locale', () => {
    const [, farm] = planTour(manifest(), 'de-AT');
    assert.equal(farm.title, 'Die Höfe');
    assert.equal(farm.badges[0].statusLabel, 'Warnung');
    assert.equal(farm.badges[2].statusLabel, 'Unbekannt');
    assert.equal(farm.kindLabel, 'Hof');
    const [, other] = planTour(manifest(), 'ja');
    assert.equal(other.title, 'The farms');
  });

  it('lists the chapters with a site on the map stop', () => {
    assert.equal(planTour(manifest(), 'en')[0].body, 'The farms → The cooperative → Shipping');
  });

  it('has only the map when there are no chapters', () => {
    const empty = { ...manifest(), chapters: [] };
    assert.deepEqual(planTour(empty, 'en').map((s) => s.kind), ['map']);
  });
});

describe('helpers', () => {
  it('pickLocale', () => {
    assert.equal(pickLocale({ locales: ['en', 'de'] }, 'de'), 'de');
    assert.equal(pickLocale({ locales: ['en', 'de'] }, 'de-CH'), 'de');
    assert.equal(pickLocale({ locales: ['en', 'de'] }, 'fr'), 'en');
  });

  it('formatFigure follows the locale', () => {
    assert.equal(formatFigure(0.5, 'ratio', 'de'), '50\u00a0%'); // a no-break space
    assert.equal(formatFigure(1234.5, 'kg', 'de'), '1.234,5 kg');
    assert.equal(formatFigure(null, 'kg', 'en'), '');
    assert.equal(formatFigure('n/a', null, 'en'), 'n/a');
  });

  it('stepStop clamps to the itinerary', () => {
    assert.equal(stepStop(0, -1, 4), 0);
    assert.equal(stepStop(2, 1, 4), 3);
    assert.equal(stepStop(3, 1, 4), 3);
    assert.equal(stepStop(0, 1, 0), 0);
  });

  it('fillTemplate fills named placeholders and leaves unknown ones', () => {
    assert.equal(fillTemplate('Stop {n} of {total}', { n: 2, total: 5 }), 'Stop 2 of 5');
    assert.equal(fillTemplate('{n}/{x}', { n: 1 }), '1/{x}');
  });
});

describe('captureLine', () => {
  const templates = {
    verified: '3D view captured with {app}, signed by {signer}: verified',
    untrusted: '3D view signed by {signer}: not verified',
    none: 'No capture credentials: not verified',
  };

  it('says who captured a snapshot, and says so plainly when it is not verified', () => {
    const verified = { state: 'verified', signer: 'Field app', generator: 'FieldCapture 2.1' };
    assert.equal(
      captureLine(verified, templates),
      '3D view captured with FieldCapture 2.1, signed by Field app: verified',
    );
    assert.equal(captureLine({ state: 'untrusted', signer: 'X' }, templates), '3D view signed by X: not verified');
    assert.equal(captureLine({ state: 'none' }, templates), 'No capture credentials: not verified');
    assert.equal(captureLine({ state: 'strange' }, templates), 'No capture credentials: not verified');
    assert.equal(captureLine(undefined, templates), '');
  });

  it('follows the chapter text of a stop whose site has a snapshot', () => {
    const withCredit = manifest();
    withCredit.snapshots[0] = { site: 'farm-3', tileset: '/blobs/t3', capture: { state: 'none' } };
    withCredit.labels.en.captures = templates;
    const stops = planTour(withCredit, 'en');
    assert.equal(stops[1].capture, 'No capture credentials: not verified');
    assert.equal(stops[1].body, 'Grown here.\n\nNo capture credentials: not verified');
    assert.equal(stops[2].capture, '');
  });
});
