// The tour test page: the batch page's two launch buttons (as server/templates/batch.html
// writes them) for a scene manifest (?manifest=<url>) and GLB (?glb=<url>), wired by the
// built boot bundle (?boot=<url>), as on the batch page.
const params = new URLSearchParams(location.search);
const strings = {
  loading: 'Loading the 3D scene…',
  failed: 'The 3D scene could not be loaded.',
  noWebgl: 'No WebGL 2',
  close: 'Close',
  sites: 'Places on the journey',
  enterVR: 'Enter VR',
  enterAR: 'Enter AR',
  exitXR: 'Exit',
  vrUnavailable: 'VR not available',
  arUnavailable: 'AR not available',
};
const tourStrings = {
  tour: 'Guided tour',
  previous: 'Previous place',
  next: 'Next place',
  exit: 'Exit tour',
  stop: 'Stop {n} of {total}',
  map: 'The whole journey',
  placeAr: 'Tap to place',
  noHitTest: 'No surfaces',
};
const explore = document.createElement('button');
explore.type = 'button';
explore.dataset.xrLaunch = '';
explore.dataset.manifestUrl = params.get('manifest') ?? '';
explore.dataset.glbUrl = params.get('glb') ?? '';
explore.dataset.locale = 'en';
explore.dataset.strings = JSON.stringify(strings);
explore.textContent = 'Explore in 3D';
const tour = document.createElement('button');
tour.type = 'button';
tour.dataset.xrLaunch = '';
tour.dataset.xrTour = '';
tour.dataset.tourStrings = JSON.stringify(tourStrings);
tour.textContent = 'Take the tour';
document.body.append(explore, tour);
await import(params.get('boot') ?? '');
document.body.dataset.booted = 'true';
