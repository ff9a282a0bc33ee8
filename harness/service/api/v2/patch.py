"""``PATCH /v2/images/<id>``: apply JSON patch operations.

:mod:`.patch_parse` checks the whole body first; the operations then
apply in order to a working copy of the image record, which is saved
once at the end (nothing is saved when any operation fails).

Operations on ``/locations`` are handed to the locations module
(``doc/source/explanation/internals/v2-contracts.rst``)::

    locations.apply_patch(api, ctx, record, op, index, value)

*op* ``add|replace|remove``; *index* ``None`` for ``/locations``, else the
segment after it (``'-'`` or digits, unchecked); *value* ``None`` for
``remove``.  It changes ``record['locations']``, ``status`` and ``size``
in place and raises ``webob.exc.HTTP*`` with Glance's messages.  The
caller has already checked ownership and the pointer's depth.
"""

import webob.exc

from harness.service import quota
from harness.service.api.v2 import attrs
from harness.service.api.v2 import patch_parse
from harness.service.api.v2 import repo
from harness.service.api.v2 import view

#: Attributes a patch may set (everything else is an extra property).
CORE = ('name', 'visibility', 'protected', 'min_ram', 'min_disk',
        'disk_format', 'container_format', 'tags')
QUEUED_ONLY = ('disk_format', 'container_format')


def conflict(message):
    return webob.exc.HTTPConflict(explanation=message)


def forbidden(message):
    return webob.exc.HTTPForbidden(explanation=message)


def not_permitted(ctx, record, what):
    """403 for a caller who does not own the image."""
    repo.check_owner(ctx, record, 'You are not permitted to modify %s.'
                     % what)


class Patcher(object):
    """Apply patches (*api*: the router)."""

    def __init__(self, api):
        self.api = api

    def update(self, req, image_id):
        ctx = self.api.context(req)
        changes = patch_parse.parse(req, self.api.schemas)
        if not changes:
            record = repo.load(self.api, ctx, image_id)
            return view.image_response(self.api, req, ctx, record)

        def change(record):
            self.api.enforce(ctx, 'modify_image')
            for op, path, value in changes:
                self._apply(ctx, record, op, path, value)

        # One unit: racing patches end as A-then-B or B-then-A.
        before, record = repo.modify(self.api, ctx, image_id, change)
        from harness.service.api.v2 import locations
        locations.delete_removed(self.api.conf, before, record)
        return view.image_response(self.api, req, ctx, record)

    def _apply(self, ctx, record, op, path, value):
        root = path[0]
        if root == 'locations':
            not_permitted(ctx, record, 'locations for this image')
            from harness.service.api.v2 import locations
            index = path[1] if len(path) > 1 else None
            locations.apply_patch(self.api, ctx, record, op, index, value)
        elif root in CORE:
            self._core(ctx, record, op, root, value)
        else:
            self._property(ctx, record, op, root, value)

    # -- core attributes -------------------------------------------------

    def _core(self, ctx, record, op, name, value):
        if op == 'add':
            raise conflict('Property %s already present.' % name)
        if op == 'remove':
            raise forbidden('Property %s may not be removed.' % name)
        if name == 'tags':
            not_permitted(ctx, record, 'tags on this image')
            record['tags'] = attrs.unique(value)
            quota.enforce_count(self.api.conf.image_tag_quota,
                                len(record['tags']), quota.TAGS)
            return
        not_permitted(ctx, record, "'%s' on this image" % name)
        if name in QUEUED_ONLY and record['status'] != 'queued':
            raise forbidden('Attribute %s can be only replaced for a '
                            'queued image.' % name)
        if name == 'visibility' and value == 'public':
            self.api.enforce(ctx, 'publicize_image')
        attrs.check_min_values({name: value})
        record[name] = value

    # -- extra properties ------------------------------------------------

    def _can(self, ctx, name, operation):
        rules = self.api.property_rules
        return rules is None or rules.check(name, operation, ctx)

    def _property(self, ctx, record, op, name, value):
        attrs.check_length('Property name', name)
        properties = record['properties']
        # An unreadable property does not exist for the caller.
        exists = name in properties and self._can(ctx, name, 'read')
        if op == 'add' and exists:
            raise conflict('Property %s already present.' % name)
        if op in ('replace', 'remove') and not exists:
            raise conflict('Property %s does not exist.' % name)
        not_permitted(ctx, record, "'%s' on this image" % name)
        operation = {'add': 'create', 'replace': 'update',
                     'remove': 'delete'}[op]
        if not self._can(ctx, name, operation):
            raise attrs.reserved(name)
        if op == 'remove':
            del properties[name]
        else:
            properties[name] = value
