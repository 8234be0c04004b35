import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SNAP_DEGREES, arcToFloor, easeInOut, readStick, restingStick } from './locomotion.js';

/** Feed a sequence of [x, y] stick readings; return the intents. */
function feed(/** @type {number[][]} */ readings) {
  let state = restingStick();
  return readings.map(([x, y]) => {
    const intent = readStick(x, y, state);
    state = intent.state;
    return intent;
  });
}

describe('readStick', () => {
  it('turns once per sideways push, then waits for the stick to recentre', () => {
    const turns = feed([[0.9, 0], [0.95, 0], [0.5, 0], [0.9, 0], [0.1, 0], [-0.8, 0.1]]).map(
      (i) => i.turn,
    );
    assert.deepEqual(turns, [1, 0, 0, 0, 0, -1]);
    assert.equal(SNAP_DEGREES, 30);
  });

  it('aims while pushed forward and teleports on release', () => {
    const intents = feed([[0, -0.9], [0.2, -0.8], [0, -0.5], [0, 0]]);
    assert.deepEqual(
      intents.map((i) => [i.aim, i.teleport]),
      [
        [true, false],
        [true, false],
        [true, false], // between the thresholds: still aiming
        [false, true],
      ],
    );
    assert.ok(intents.every((i) => i.turn === 0));
  });

  it('does nothing when pulled back or resting', () => {
    const intents = feed([[0, 0], [0, 0.9], [0, 0]]);
    assert.ok(intents.every((i) => !i.aim && !i.teleport && i.turn === 0));
  });

  it('does not turn while aiming', () => {
    const intents = feed([[0, -0.9], [0.9, -0.7], [0, 0]]);
    assert.deepEqual(intents.map((i) => i.turn), [0, 0, 0]);
    assert.equal(intents[2].teleport, true);
  });
});

describe('arcToFloor', () => {
  it('lands on the floor in front when aimed ahead and slightly up', () => {
    const { points, hit } = arcToFloor([0, 1.2, 0], [0, 0.3, -1]);
    assert.ok(hit, 'it should land');
    assert.equal(hit[1], 0);
    assert.ok(hit[2] < -1, `it should land ahead, at z ${hit[2]}`);
    assert.equal(Math.abs(hit[0]), 0);
    assert.deepEqual(points[0], [0, 1.2, 0]);
    for (let i = 1; i < points.length; i += 1) assert.ok(points[i][2] < points[i - 1][2]);
  });

  it('lands closer when aimed down', () => {
    const far = arcToFloor([0, 1.2, 0], [0, 0.2, -1]).hit;
    const near = arcToFloor([0, 1.2, 0], [0, -1, -1]).hit;
    assert.ok(far && near && near[2] > far[2]);
  });

  it('does not land when the arc stays up too long, or starts below the floor', () => {
    assert.equal(arcToFloor([0, 1.2, 0], [0, 1, 0], { maxTime: 0.5 }).hit, null);
    assert.equal(arcToFloor([0, -1, 0], [0, 0, -1]).hit, null);
  });
});

describe('easeInOut', () => {
  it('runs from 0 to 1, clamped, symmetric', () => {
    assert.equal(easeInOut(0), 0);
    assert.equal(easeInOut(1), 1);
    assert.equal(easeInOut(2), 1);
    assert.equal(easeInOut(0.5), 0.5);
    assert.ok(Math.abs(easeInOut(0.25) + easeInOut(0.75) - 1) < 1e-12);
  });
});
