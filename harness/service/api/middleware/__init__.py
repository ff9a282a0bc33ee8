"""WSGI filters of the API and registry paste pipelines."""
