"""HTTP routes, one blueprint per module."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Register every blueprint, the error handlers, the rate limits and the response headers."""
    from server.web.rate_limiting import init_app as init_rate_limits
    from server.web.routes.api import bp as api_bp
    from server.web.routes.api_docs import bp as api_docs_bp
    from server.web.routes.blobs import bp as blobs_bp
    from server.web.routes.bundles import bp as bundles_bp
    from server.web.routes.compressed_links import bp as compressed_links_bp
    from server.web.routes.epcis_capture import bp as epcis_capture_bp
    from server.web.routes.epcis_query import bp as epcis_query_bp
    from server.web.routes.errors import init_app as init_errors
    from server.web.routes.eudr import bp as eudr_bp
    from server.web.routes.eudr import studio_bp as studio_eudr_bp
    from server.web.routes.evidence_upload import bp as evidence_upload_bp
    from server.web.routes.health import bp as health_bp
    from server.web.routes.health import init_app as init_health
    from server.web.routes.home import bp as home_bp
    from server.web.routes.how_we_know import bp as how_we_know_bp
    from server.web.routes.metrics import bp as metrics_bp
    from server.web.routes.metrics import init_app as init_metrics
    from server.web.routes.pages import bp as pages_bp
    from server.web.routes.plot_upload import bp as plot_upload_bp
    from server.web.routes.progress import init_app as init_progress
    from server.web.routes.resolver import bp as resolver_bp
    from server.web.routes.scan_events import bp as scan_events_bp
    from server.web.routes.security import init_app as init_security
    from server.web.routes.signatures import bp as signatures_bp
    from server.web.routes.snapshots import bp as snapshots_bp
    from server.web.routes.studio_analytics import bp as studio_analytics_bp
    from server.web.routes.studio_auth import bp as studio_auth_bp
    from server.web.routes.studio_codes import bp as studio_codes_bp
    from server.web.routes.studio_disclosure import bp as studio_disclosure_bp
    from server.web.routes.studio_home import bp as studio_home_bp
    from server.web.routes.studio_snapshots import bp as studio_snapshots_bp
    from server.web.routes.studio_story import bp as studio_story_bp
    from server.web.routes.studio_theme import bp as studio_theme_bp
    from server.web.routes.studio_tokens import bp as studio_tokens_bp
    from server.web.routes.studio_users import bp as studio_users_bp
    from server.web.routes.transparency_log import bp as transparency_log_bp
    from server.web.studio import init_app as init_studio

    init_metrics(app)  # first of the hooks: its timing covers the others
    for blueprint in (
        resolver_bp,
        compressed_links_bp,
        api_bp,
        api_docs_bp,
        blobs_bp,
        bundles_bp,
        home_bp,
        pages_bp,
        epcis_capture_bp,
        epcis_query_bp,
        plot_upload_bp,
        evidence_upload_bp,
        snapshots_bp,
        signatures_bp,
        transparency_log_bp,
        how_we_know_bp,
        eudr_bp,
        scan_events_bp,
        studio_auth_bp,
        studio_home_bp,
        studio_story_bp,
        studio_users_bp,
        studio_tokens_bp,
        studio_eudr_bp,
        studio_snapshots_bp,
        studio_codes_bp,
        studio_analytics_bp,
        studio_disclosure_bp,
        studio_theme_bp,
        health_bp,
        metrics_bp,
    ):
        app.register_blueprint(blueprint)
    init_rate_limits(app)  # wraps views of the blueprints above
    init_studio(app)
    init_progress(app)
    init_errors(app)
    init_security(app)
    init_health(app)
