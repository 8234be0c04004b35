import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SPLAT_BUDGETS, deviceClass, splatBudget } from './deviceBudget.js';

const QUEST3 =
  'Mozilla/5.0 (X11; Linux x86_64; Quest 3) AppleWebKit/537.36 (KHTML, like Gecko) ' +
  'OculusBrowser/35.0 Chrome/126.0 VR Safari/537.36';
const PIXEL = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15';
const MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Safari/605';
const LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36';

describe('deviceClass', () => {
  it('recognises headsets, phones and desktops', () => {
    assert.equal(deviceClass({ userAgent: QUEST3, xr: {} }), 'headset');
    assert.equal(deviceClass({ userAgent: PIXEL }), 'phone');
    assert.equal(deviceClass({ userAgent: IPHONE }), 'phone');
    assert.equal(deviceClass({ userAgent: LINUX, xr: {} }), 'desktop');
    assert.equal(deviceClass({ userAgent: MAC }), 'desktop');
    assert.equal(deviceClass({}), 'desktop');
  });

  it('takes an iPad asking for desktop sites for a touch device', () => {
    assert.equal(deviceClass({ userAgent: MAC, maxTouchPoints: 5 }), 'phone');
  });

  it('takes a touch Linux browser with WebXR for a headset in desktop mode', () => {
    assert.equal(deviceClass({ userAgent: LINUX, maxTouchPoints: 10, xr: {} }), 'headset');
  });

  it('reads userAgentData.mobile', () => {
    assert.equal(deviceClass({ userAgent: LINUX, userAgentData: { mobile: true } }), 'phone');
  });
});

describe('splatBudget', () => {
  it('gives Spark’s documented budgets', () => {
    assert.equal(splatBudget({ userAgent: QUEST3 }), 500_000);
    assert.equal(splatBudget({ userAgent: PIXEL }), 1_000_000);
    assert.equal(splatBudget({ userAgent: LINUX }), 2_500_000);
    assert.equal(SPLAT_BUDGETS.desktop, 2_500_000);
  });
});
