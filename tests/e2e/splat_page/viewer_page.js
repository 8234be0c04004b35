// The viewer test page: mount the built viewer bundle (?viewer=<url>) on a scene manifest
// (?manifest=<url>) and GLB (?glb=<url>), as boot.js does on the batch page.
const params = new URLSearchParams(location.search);
const stage = /** @type {HTMLElement} */ (document.getElementById('xr-stage'));
try {
  const { mountViewer } = await import(params.get('viewer') ?? '');
  await mountViewer(stage, {
    manifestUrl: params.get('manifest') ?? '',
    glbUrl: params.get('glb') ?? '',
    locale: 'en',
    strings: {
      close: 'Close',
      sites: 'Sites',
      enterVR: 'Enter VR',
      enterAR: 'Enter AR',
      exitXR: 'Exit',
      vrUnavailable: 'VR not available',
      arUnavailable: 'AR not available',
    },
  });
  stage.dataset.state = 'ready';
} catch (error) {
  stage.dataset.state = 'failed';
  stage.dataset.error = String(error?.stack ?? error);
}
