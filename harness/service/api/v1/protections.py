"""Property protections as the v1 API applies them.

Creating a protected property, or updating one without the right, is
``403 Property '<name>' is protected``; purging a property the caller
cannot read silently keeps it; responses leave out unreadable
properties (:func:`harness.service.api.v1.common.readable`).
"""

import webob.exc


def _protected(name):
    return webob.exc.HTTPForbidden(
        explanation="Property '%s' is protected" % name)


class V1Protections(object):
    """Checks of the loaded *rules* (``None``: protections disabled)."""

    def __init__(self, rules):
        self.rules = rules

    def _can(self, ctx, name, operation):
        return self.rules.check(name, operation, ctx)

    def enforce_create(self, ctx, names):
        """Refuse to create any of the properties *names*."""
        if self.rules is None:
            return
        for name in names:
            if not self._can(ctx, name, 'create'):
                raise _protected(name)

    def enforce_update(self, ctx, new, original, purge):
        """Check an update turning properties *original* into *new*.

        Kept properties need ``read``, and ``update`` when their value
        changes; added ones need ``create``; with *purge*, dropped ones
        need ``delete`` when readable, and are put back into *new* (so
        they are kept) when not.

        :param new: the requested properties; changed in place.
        """
        if self.rules is None:
            return
        for name in sorted(set(new) & set(original)):
            if not self._can(ctx, name, 'read') or (
                    new[name] != original[name]
                    and not self._can(ctx, name, 'update')):
                raise _protected(name)
        self.enforce_create(ctx, sorted(set(new) - set(original)))
        if not purge:
            return
        for name in sorted(set(original) - set(new)):
            if not self._can(ctx, name, 'read'):
                new[name] = original[name]
            elif not self._can(ctx, name, 'delete'):
                raise _protected(name)
