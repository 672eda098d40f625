"""Salesforce: OAuth 2.0 token flows, the REST client, and the real-time Lead + Task delivery."""
