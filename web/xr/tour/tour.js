import { Vector3 } from 'three';
import { sendScanEvent } from '../beacon.js';
import { onCanvasTap, siteUnder } from '../sitePicker.js';
import { createArPlacement } from './arPlacement.js';
import { easeInOut } from './locomotion.js';
import { createTourControls } from './tourControls.js';
import { createTourPanel } from './tourPanels.js';
import { fillTemplate, planTour, stepStop } from './tourPlan.js';
import { createXrLocomotion } from './xrLocomotion.js';

/**
 * The tour: map overview, then each chapter's sites in turn — the camera flies (or, with
 * `prefers-reduced-motion`, cuts) to the site, its snapshot streams in through the splat
 * layer, and a 3D panel beside it shows the chapter and its evidence badges. DOM controls
 * mirror the panel's buttons; in immersive VR a controller or hand selects them, and the
 * thumbstick (or a pinch) teleports and snap-turns; in immersive AR a tap places the diorama
 * on the surface the phone found.
 *
 * Its own chunk (web/build.mjs "tour"): viewer.js imports it when a tour starts.
 */

/**
 * @typedef {object} TourStrings translated by the page (server/templates/batch.html)
 * @property {string} [product] the product's name in the page's language (the map stop's
 *   heading; default: the manifest's, in the brand's default language)
 * @property {string} tour accessible name of the tour's controls
 * @property {string} previous
 * @property {string} next
 * @property {string} exit
 * @property {string} stop "Stop {n} of {total}"
 * @property {string} map the map stop's title
 * @property {string} placeAr how to place the diorama in AR
 * @property {string} noHitTest AR without surface detection: where the diorama is
 */

const FLY_MS = 1200;
// the panel's width and place beside a site, as fractions of the diorama's size
const PANEL_WIDTH = 0.3;
const PANEL_SIDE = 0.3;
const PANEL_LIFT = 0.05;
// the camera's distance from a stop, and its elevation (radians)
const VIEW_DISTANCE = 0.75;
const VIEW_ELEVATION = 0.5;

/**
 * Start the tour in a mounted viewer.
 * @param {import('../viewer.js').ViewerParts} parts
 * @param {TourStrings} strings
 * @param {() => void} [onExit] called once the tour has been left (Exit, Escape)
 * @returns {{stop(): void, go(index: number): void}}
 */
export function startTour(parts, strings, onExit) {
  const { container, ui, renderer, camera, controls, root, sites, manifest, size } = parts;
  const { reducedMotion, snapshots, scene } = parts;
  const stops = planTour(manifest, parts.locale);
  const home = { position: camera.position.clone(), target: controls.target.clone() };
  const autoRotateBefore = controls.autoRotate;
  let index = 0;
  let stopped = false;

  // the viewer's own site list and chapter panel give way to the tour's controls
  /** @type {HTMLElement[]} */
  const hidden = [...ui.querySelectorAll('.xr-sites, .xr-panel')].filter(
    (el) => el instanceof HTMLElement && !el.hidden,
  );
  for (const el of hidden) el.hidden = true;

  const panel = createTourPanel({
    width: size * PANEL_WIDTH,
    labels: { previous: strings.previous, next: strings.next },
  });
  root.add(panel.group);

  const status = document.createElement('p');
  status.className = 'xr-tour-status';
  status.setAttribute('role', 'status');
  status.hidden = true;
  ui.prepend(status);

  /** @param {number} step */
  const move = (step) => go(stepStop(index, step, stops.length));
  const controlsUi = createTourControls(ui, container, strings, {
    previous: () => move(-1),
    next: () => move(1),
    exit: () => exit(),
  });

  // --- where things go -----------------------------------------------------------------
  const up = new Vector3(0, 1, 0);
  const view = new Vector3();
  /** @returns {Vector3} the viewer's eye, in world space */
  const eye = () =>
    renderer.xr.isPresenting
      ? renderer.xr.getCamera().getWorldPosition(new Vector3())
      : camera.position.clone();

  /**
   * @param {string | null} siteId
   * @returns {Vector3 | null} the site marker's position in the diorama's frame
   */
  const siteLocal = (siteId) => {
    const marker = siteId ? sites.get(siteId) : undefined;
    if (!marker) return null;
    root.updateMatrixWorld();
    return root.worldToLocal(marker.getWorldPosition(new Vector3()));
  };

  /**
   * Put the panel beside the stop (to the viewer's right) or, on the map, behind the map.
   * @returns {Vector3} the point the camera should look at, in the diorama's frame
   */
  const placePanel = () => {
    const stop = stops[index];
    const local = siteLocal(stop.siteId);
    const eyeLocal = root.worldToLocal(eye());
    // measured when the diorama stood at the origin: its centre in its own frame
    const centreLocal = parts.centre.clone();
    const anchor = local ?? centreLocal;
    // from the anchor towards the viewer, level
    view.subVectors(eyeLocal, anchor).setY(0);
    if (view.lengthSq() < 1e-9) view.set(0, 0, 1);
    view.normalize();
    const right = new Vector3().crossVectors(up, view).normalize();
    if (local) {
      panel.group.position.copy(local).addScaledVector(right, size * PANEL_SIDE);
      panel.group.position.y = local.y + size * PANEL_LIFT;
      return local.clone().addScaledVector(right, size * PANEL_SIDE * 0.5).setY(local.y + size * 0.1);
    }
    panel.group.position.copy(centreLocal).addScaledVector(view, -size * 0.3);
    panel.group.position.y = centreLocal.y + size * PANEL_LIFT;
    return centreLocal;
  };

  // --- camera (inline only: in a headset the user's head is the camera) ----------------
  /** @type {{from: Vector3[], to: Vector3[], start: number} | null} */
  let flight = null;
  /**
   * @param {Vector3} position
   * @param {Vector3} target
   */
  const moveCamera = (position, target) => {
    if (renderer.xr.isPresenting) return;
    if (reducedMotion.matches) {
      flight = null;
      camera.position.copy(position);
      controls.target.copy(target);
      controls.update();
      return;
    }
    flight = {
      from: [camera.position.clone(), controls.target.clone()],
      to: [position, target],
      start: performance.now(),
    };
    controls.enabled = false;
    container.dataset.tourMoving = 'true';
  };
  const endFlight = () => {
    flight = null;
    controls.enabled = true;
    delete container.dataset.tourMoving;
  };

  /** @param {Vector3} targetLocal */
  const frameStop = (targetLocal) => {
    const stop = stops[index];
    if (stop.kind === 'map') {
      moveCamera(home.position.clone(), home.target.clone());
      return;
    }
    const target = root.localToWorld(targetLocal.clone());
    const from = new Vector3().subVectors(camera.position, controls.target).setY(0);
    if (from.lengthSq() < 1e-9) from.set(0, 0, 1);
    from.normalize().multiplyScalar(Math.cos(VIEW_ELEVATION));
    from.y = Math.sin(VIEW_ELEVATION);
    moveCamera(target.clone().addScaledVector(from, size * VIEW_DISTANCE), target);
  };

  // --- stops -----------------------------------------------------------------------------
  let completed = false; // reaching the last stop counts once as a completed tour (analytics)
  const render = () => {
    const stop = stops[index];
    const counter = fillTemplate(strings.stop, { n: index + 1, total: stops.length });
    const product = strings.product || manifest.batch?.product_name || '';
    const heading = stop.kind === 'map' ? product : stop.siteName;
    const title = stop.kind === 'map' ? strings.map : stop.title;
    const eyebrow = stop.kindLabel ? `${stop.kindLabel} · ${heading}` : heading;
    panel.show({ eyebrow, counter, title, body: stop.body, badges: stop.badges });
    const first = index === 0;
    const last = index === stops.length - 1;
    panel.setEnabled({ previous: !first, next: !last });
    controlsUi.show({ counter, heading, title, body: stop.body, badges: stop.badges, first, last });
    container.dataset.tourStop = String(index);
    container.dataset.tourSite = stop.siteId ?? 'map';
    if (last && !completed && stops.length > 1) {
      completed = true;
      sendScanEvent('tour_complete');
    }
  };

  /** @param {number} next */
  const go = (next) => {
    if (stopped) return;
    index = next;
    const stop = stops[index];
    render();
    parts.highlight(stop.siteId);
    if (stop.snapshot && stop.siteId) {
      snapshots.show(stop.siteId).catch(() => {
        // the viewer marks a failed snapshot on the stage; the stop still shows its panel
      });
    } else {
      snapshots.hide();
    }
    // the map may turn slowly, unless motion is unwelcome; a site holds still to be read
    controls.autoRotate = stop.kind === 'map' && !reducedMotion.matches;
    frameStop(placePanel());
  };

  // --- every frame -------------------------------------------------------------------------
  const eyeLocal = new Vector3();
  const nextAt = new Vector3();
  let xrSplatFrames = 0;
  /** @type {{update(): void, stop(): void} | null} */
  let locomotion = null;
  /** @type {import('./arPlacement.js').ArPlacement | null} */
  let placement = null;
  let replace = false;

  /**
   * @param {number} _time
   * @param {XRFrame} [frame]
   */
  const onFrame = (_time, frame) => {
    if (flight) {
      const t = easeInOut((performance.now() - flight.start) / FLY_MS);
      camera.position.lerpVectors(flight.from[0], flight.to[0], t);
      controls.target.lerpVectors(flight.from[1], flight.to[1], t);
      if (t >= 1) endFlight();
    }
    if (replace && renderer.xr.isPresenting) {
      replace = false;
      placePanel();
    }
    // the panel turns to face the viewer, upright
    root.updateMatrixWorld();
    root.worldToLocal(eyeLocal.copy(eye()));
    panel.group.rotation.y = Math.atan2(
      eyeLocal.x - panel.group.position.x,
      eyeLocal.z - panel.group.position.z,
    );
    locomotion?.update();
    placement?.update(frame);
    // where the panel's Next button is (world space), for tests and tools that aim a ray
    const at = panel.buttons[1].getWorldPosition(nextAt).toArray().map((v) => v.toFixed(3));
    if (container.dataset.tourNextAt !== at.join(',')) container.dataset.tourNextAt = at.join(',');
    // and where it is on the canvas inline (normalised device coordinates), to click it
    const ndc = nextAt.project(camera).toArray().slice(0, 2).map((v) => v.toFixed(3)).join(',');
    if (container.dataset.tourNextNdc !== ndc) container.dataset.tourNextNdc = ndc;
    if (renderer.xr.isPresenting && (snapshots.state()?.splats ?? 0) > 0) {
      xrSplatFrames += 1;
      container.dataset.xrSplatFrames = String(xrSplatFrames);
    }
  };
  parts.onFrame.add(onFrame);

  /** @param {string} text */
  const say = (text) => {
    status.textContent = text;
    status.hidden = !text;
  };

  /** @param {{type: 'start' | 'end', mode: string, session?: XRSession}} event */
  const onXr = async (event) => {
    locomotion?.stop();
    locomotion = null;
    placement?.stop();
    placement = null;
    say('');
    endFlight();
    delete container.dataset.arHitTest;
    delete container.dataset.arPlaced;
    if (event.type === 'end') {
      go(index);
      return;
    }
    replace = true;
    if (event.mode === 'immersive-vr') {
      locomotion = createXrLocomotion({
        renderer,
        scene,
        targets: () => panel.buttons,
        onAction: (action) => move(action === 'next' ? 1 : -1),
        onMove: (what) => {
          const key = what === 'turn' ? 'xrTurns' : 'xrTeleports';
          container.dataset[key] = String(Number(container.dataset[key] ?? 0) + 1);
        },
      });
    } else if (event.mode === 'immersive-ar' && event.session) {
      const made = await createArPlacement({
        session: event.session,
        renderer,
        scene,
        diorama: root,
        foot: new Vector3(parts.centre.x, 0, parts.centre.z),
        onPlaced: (surface) => {
          say('');
          replace = true;
          // where it stands, for tests and tools: "x,y,z" in metres
          container.dataset.arPlaced = surface.toArray().map((v) => v.toFixed(3)).join(',');
        },
      });
      if (stopped || !renderer.xr.isPresenting) {
        made.stop();
        return;
      }
      placement = made;
      say(made.hitTest ? strings.placeAr : strings.noHitTest);
      container.dataset.arHitTest = String(made.hitTest);
    }
  };
  parts.onXr.add(onXr);

  // --- canvas clicks: the panel's buttons, or a site of the tour --------------------------
  // Listened for in the capture phase, before the viewer's site picker: while touring, the
  // tour decides what a click on the canvas does.
  const taps = onCanvasTap(
    renderer.domElement,
    camera,
    (raycaster, event) => {
      event.stopImmediatePropagation();
      const button = raycaster.intersectObjects(panel.buttons, false)[0];
      if (button) {
        if (button.object.userData.enabled) {
          move(button.object.userData.tourAction === 'next' ? 1 : -1);
        }
        return;
      }
      const siteId = siteUnder(raycaster, root);
      const at = siteId === null ? -1 : stops.findIndex((s) => s.siteId === siteId);
      if (at >= 0) go(at);
    },
    { capture: true },
  );

  const stop = () => {
    if (stopped) return;
    stopped = true;
    parts.onFrame.delete(onFrame);
    parts.onXr.delete(onXr);
    locomotion?.stop();
    placement?.stop();
    taps.stop();
    controlsUi.stop();
    panel.dispose();
    status.remove();
    snapshots.hide();
    parts.highlight(null);
    endFlight();
    controls.autoRotate = autoRotateBefore && !reducedMotion.matches;
    for (const el of hidden) el.hidden = false;
    for (const key of ['tour', 'tourStop', 'tourSite', 'tourNextAt', 'tourNextNdc', 'xrSplatFrames', 'arHitTest', 'arPlaced']) {
      delete container.dataset[key];
    }
  };

  const exit = () => {
    if (stopped) return;
    const back = !renderer.xr.isPresenting;
    stop();
    if (back) {
      camera.position.copy(home.position);
      controls.target.copy(home.target);
      controls.update();
    }
    onExit?.();
  };

  container.dataset.tour = 'on';
  container.dataset.tourMotion = reducedMotion.matches ? 'cut' : 'fly';
  go(0);
  controlsUi.focus();
  if (renderer.xr.isPresenting) {
    const session = renderer.xr.getSession();
    const mode = container.dataset.xr ?? 'immersive-vr';
    onXr({ type: 'start', mode, session: session ?? undefined });
  }
  return { stop, go: (i) => go(stepStop(i, 0, stops.length)) };
}
