"""The web application: `create_app()` wires settings, runtime and blueprints."""
from __future__ import annotations

import os
from typing import Any, Mapping

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from connector.logs import configure_logging
from connector.runtime import Runtime
from connector.settings import Settings


def create_app(config: Settings | Mapping[str, Any] | None = None,
               runtime: Runtime | None = None) -> Flask:
    """The web app. `config` is Settings, a mapping of setting names, or None for the environment."""
    from connector.web import errors, health, hooks, mailchimp_hooks

    if isinstance(config, Settings):
        settings = config
    elif config is not None:
        settings = Settings.from_mapping(config)
    else:
        settings = Settings.from_env(os.environ)
    configure_logging(settings.log_level)
    if runtime is None:
        runtime = Runtime.start(settings)
        runtime.warm_up()
    if settings.embedded_worker and runtime.worker is None:
        runtime.start_worker_thread()
    if runtime.spool.held():
        runtime.drainer.ensure_running()  # left from before a restart

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.ensure_ascii = False
    app.extensions["connector"] = runtime
    if settings.trusted_proxies:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    for blueprint in (mailchimp_hooks.bp, hooks.bp, health.bp, errors.bp):
        app.register_blueprint(blueprint)
    return app


