"""Load the WSGI pipeline of a service from its paste file.

Every pipeline is wrapped in :func:`utf8_guard`: the apps read the path
and query as UTF-8 text (WebOb), so percent-escapes that are not UTF-8
are refused once, at the entry, instead of failing deep inside an app.
"""

import configparser
import logging
import os
import urllib.parse

import webob.exc
from paste.deploy import loadapp

from harness.errors import StartupError
from harness.service import log

LOG = logging.getLogger(__name__)

PASTE_SUFFIX = '-paste.ini'
CONF_SUFFIX = '.conf'

# What a missing section, an unimportable factory or an unreadable paste
# file raise inside paste.deploy.
_LOAD_ERRORS = (LookupError, ImportError, AttributeError, OSError,
                configparser.Error)


def app_name_for(conf, app_name):
    """Return *app_name* plus ``-<flavor>`` when a flavor is configured."""
    flavor = conf.get('flavor', 'paste_deploy')
    return '%s-%s' % (app_name, flavor) if flavor else app_name


def paste_config_path(conf, app_name):
    """Return the absolute path of the paste file, or ``None``.

    ``[paste_deploy] config_file`` when set, else the last config file with
    ``.conf`` replaced by ``-paste.ini`` (or ``<app_name>-paste.ini``),
    looked up in the config directories.
    """
    configured = conf.get('config_file', 'paste_deploy')
    if configured:
        return conf.find_file(configured) or os.path.abspath(configured)
    if conf.config_files:
        name = os.path.basename(conf.config_files[-1])
        if name.endswith(CONF_SUFFIX):
            name = name[:-len(CONF_SUFFIX)]
        name += PASTE_SUFFIX
    else:
        name = app_name + PASTE_SUFFIX
    return conf.find_file(name)


def load_app(conf, app_name):
    """Build the WSGI application *app_name* (plus flavor) from paste.

    Factories read the configuration through
    :func:`harness.service.process_conf.get_conf`, so it must be set first.

    :raises StartupError: no paste file, or the app could not be loaded.
    """
    path = paste_config_path(conf, app_name)
    if path is None:
        raise StartupError("Unable to locate paste config file for %s."
                           % app_name)
    name = app_name_for(conf, app_name)
    try:
        app = loadapp('config:' + path, name=name)
    except _LOAD_ERRORS as exc:
        raise StartupError("Unable to load %s from configuration file %s."
                           "\nGot: %r" % (name, path, exc)) from exc
    LOG.debug('Loaded %s from %s', name, path)
    if conf.debug:
        log.log_option_values(conf, LOG)
    return utf8_guard(app)


def utf8_guard(app):
    """Wrap WSGI *app*: a path that is not UTF-8 once percent-decoded is
    a 404 (nothing, no id, can be named so), a query string a 400."""
    def guarded(environ, start_response):
        error = undecodable_error(environ)
        if error is not None:
            LOG.info('%s %s: %s', environ.get('REQUEST_METHOD'),
                     environ.get('RAW_PATH_INFO', ''), error.explanation)
            return error(environ, start_response)
        return app(environ, start_response)
    return guarded


def undecodable_error(environ):
    """The ``webob.exc`` error of a request whose path or query string
    is not UTF-8, else ``None``.

    ``PATH_INFO`` is already percent-decoded, as latin-1 text (PEP 3333);
    ``QUERY_STRING`` is still percent-encoded.
    """
    try:
        for key in ('SCRIPT_NAME', 'PATH_INFO'):
            environ.get(key, '').encode('latin-1').decode('utf-8')
    except UnicodeError:
        return webob.exc.HTTPNotFound(
            explanation='The path of the request is not UTF-8.')
    try:
        raw = environ.get('QUERY_STRING', '').encode('latin-1')
        urllib.parse.unquote_to_bytes(raw.replace(b'+', b' ')).decode(
            'utf-8')
    except UnicodeError:
        return webob.exc.HTTPBadRequest(
            explanation='The query string of the request is not UTF-8.')
    return None
