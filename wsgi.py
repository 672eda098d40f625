"""For gunicorn: `gunicorn wsgi:app`. Run `connector worker` beside it (or set
CONNECTOR_EMBEDDED_WORKER=true for a worker thread in each web process)."""
from connector.app import create_app

app = create_app()
