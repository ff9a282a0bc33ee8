"""Sphinx configuration for harness's documentation (``tox -e docs``)."""

import os
import sys

# autodoc imports the package from the checkout, not an installed copy,
# so the reference is always of the code beside it.
sys.path.insert(0, os.path.abspath(os.path.join(__file__, '..', '..', '..')))

project = 'harness'
author = 'the harness developers'
copyright = '2026, the harness developers'
release = '0.1.0'

extensions = [
    'sphinx.ext.autodoc',
    'sphinx.ext.viewcode',
]

# No intersphinx: the build must not need the network.
autodoc_member_order = 'bysource'
autodoc_default_options = {'members': True, 'show-inheritance': True}
autodoc_typehints = 'description'
# Defaults as written (``returns=UNSET``), not their repr (<object ...>).
autodoc_preserve_defaults = True

exclude_patterns = ['_build']
html_theme = 'alabaster'
html_static_path = ['_static']
html_theme_options = {'description': 'functional tests that start real '
                                      'server processes'}
