"""Rules on image attributes shared by create and PATCH."""

import webob.exc


def read_only(key):
    """403 ``Attribute '<k>' is read-only.``"""
    return webob.exc.HTTPForbidden(
        explanation="Attribute '%s' is read-only." % key)


def reserved(key):
    """403 ``Attribute '<k>' is reserved.``"""
    return webob.exc.HTTPForbidden(
        explanation="Attribute '%s' is reserved." % key)


def check_min_values(values):
    """400 for a negative ``min_ram`` or ``min_disk`` in *values*."""
    for key in ('min_ram', 'min_disk'):
        value = values.get(key)
        if value is not None and value < 0:
            raise webob.exc.HTTPBadRequest(
                explanation="Invalid value '%s' for parameter '%s': Cannot "
                            "be a negative value" % (value, key))


def unique(items):
    """*items* without repeats, first occurrences kept in order."""
    return list(dict.fromkeys(items))


#: Longest property name or member id the tables hold (VARCHAR(255)).
MAX_NAME = 255


def check_length(kind, value):
    """400 for a property name or member id over 255 characters.

    Port: checked here so every database answers alike (SQLite would
    store it, MySQL/PostgreSQL refuse it).
    """
    if len(value) > MAX_NAME:
        raise webob.exc.HTTPBadRequest(
            explanation='%s is longer than %d characters: %s...'
            % (kind, MAX_NAME, value[:32]))
