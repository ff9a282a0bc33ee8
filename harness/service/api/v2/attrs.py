"""Rules on image attributes shared by create and PATCH (spec 10.3,
10.6)."""

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
