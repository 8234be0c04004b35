"""originxr: a provenance experience server answering GS1 Digital Link URIs.

The package is layered; every import points down (docs/architecture.md):

- ``server.core``: pure computation (GS1, EPCIS, evidence, disclosure, scene, splats);
- ``server.adapters``: the real parts (settings, database, blob store, Redis, queue);
- ``server.services``: use cases combining core and adapters;
- ``server.web``: the Flask app, its routes, templates and the ``originxr`` command.

Nothing is imported here, so that importing ``server.core`` loads no framework.
"""
