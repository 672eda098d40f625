"""wp-lead-connector: WordPress form submissions to Salesforce and Mailchimp, reliably.

Nothing is imported here: `connector --help` must not pay for Flask, SQLAlchemy or
the vendors' clients. The web app is `connector.app.create_app`.
"""
