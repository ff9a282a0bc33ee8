"""Image locations in v2: order, representation and PATCH.

A record's ``locations`` are ``[{"url", "metadata"}]`` in stored order;
:func:`ordered` applies ``location_strategy`` (``location_order`` or
``store_type`` with ``store_type_preference``), and everything v2 shows
or reads (``locations``, ``direct_url``, downloads, patch positions)
uses that order.  :func:`apply_patch` changes a record in place; the
images controller saves it once after all operations.
"""

import logging

import webob.exc

from harness.errors import StartupError
from harness.service import quota
from harness.service import store
from harness.service.api.imagedata import deletion
from harness.service.api.imagedata import urls
from harness.service.api.v2 import repo
from harness.service.store import errors as store_errors

LOG = logging.getLogger(__name__)

STRATEGIES = ('location_order', 'store_type')
#: Store name of each URL scheme.
STORE_TYPES = {
    'file': 'filesystem', 'filesystem': 'filesystem',
    'http': 'http', 'https': 'http', 'rbd': 'rbd',
    's3': 's3', 's3+http': 's3', 's3+https': 's3',
    'swift': 'swift', 'swift+http': 'swift', 'swift+https': 'swift',
    'gridfs': 'gridfs', 'sheepdog': 'sheepdog', 'cinder': 'cinder',
    'vsphere': 'vmware_datastore'}
QUOTA_PREFIX = ('Denying attempt to upload image because it exceeds the '
                '.quota: ')


def check_strategy(conf):
    """Refuse an unknown ``location_strategy`` at start-up (8.5 Port).

    :raises StartupError: ``Invalid location_strategy option: ...``.
    """
    name = conf.location_strategy
    if name not in STRATEGIES:
        raise StartupError(
            'Invalid location_strategy option: %s. The valid strategy '
            'option(s) is(are): %s' % (name, ', '.join(STRATEGIES)))


def _store_type(url):
    try:
        return STORE_TYPES.get(store.scheme_of(url).lower())
    except store_errors.BadStoreUri:
        return None


def ordered(conf, locations):
    """*locations* in the order of ``location_strategy`` (a new list).

    ``store_type``: locations of the preferred stores first, in
    preference order and stable within a store; then the others in stored
    order.
    """
    locations = list(locations)
    if conf.location_strategy != 'store_type':
        return locations
    preference = [name.strip() for name in
                  conf.get('store_type_preference',
                           'store_type_location_strategy') or ()
                  if name.strip()]
    rank = {name: index for index, name in enumerate(preference)}
    last = len(preference)
    return sorted(locations,
                  key=lambda loc: rank.get(_store_type(loc['url']), last))


def present(api, ctx, record):
    """The ``locations``/``direct_url`` keys of *record*'s representation.

    :raises webob.exc.HTTPForbidden: a key is to be shown and policy
        ``get_image_location`` refuses (as 2014.1 did).
    """
    conf = api.conf
    if not (conf.show_multiple_locations or conf.show_image_direct_url):
        return {}
    api.enforce(ctx, 'get_image_location')
    locations = ordered(conf, record['locations'])
    keys = {}
    if conf.show_multiple_locations:
        keys['locations'] = [{'url': loc['url'],
                              'metadata': loc.get('metadata') or {}}
                             for loc in locations]
    if conf.show_image_direct_url and locations:
        keys['direct_url'] = locations[0]['url']
    return keys


def apply_patch(api, ctx, record, op, index, value):
    """Apply one ``/locations`` operation of a PATCH to *record*.

    :param op: ``add``, ``replace`` or ``remove``.
    :param index: ``None`` (``/locations``), ``'-'`` or a decimal string.
    :raises webob.exc.HTTPException: the refusals of a ``/locations``
        patch.
    """
    conf = api.conf
    # Whether locations are shown does not matter here (icehouse had no
    # such check; ``show_multiple_locations`` only hides them).
    api.enforce(ctx, 'get_image_location')
    record['locations'] = ordered(conf, record['locations'])
    if op == 'replace':
        _replace(api, ctx, record, value)
    elif op == 'add':
        _add(api, ctx, record, index, value)
    else:
        _remove(api, ctx, record, index)


def _check_owner(ctx, record):
    repo.check_owner(ctx, record, 'You are not permitted to modify '
                     'locations for this image.')


def _replace(api, ctx, record, value):
    if not isinstance(value, list):
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid locations: %s' % (value,))
    current = record['locations']
    if current and value:
        raise webob.exc.HTTPBadRequest(
            explanation='Cannot replace locations from a non-empty list to '
            'a non-empty list.')
    _check_owner(ctx, record)
    if not value:
        api.enforce(ctx, 'delete_image_location')
        record['locations'] = []
        if record['status'] == 'active':
            _to_queued(record)
        return
    api.enforce(ctx, 'set_image_location')
    quota.enforce_count(api.conf.image_location_quota, len(value),
                        quota.LOCATIONS)
    new = []
    for location in value:
        size = _validate(api.conf, new, location)
        new.append(_entry(location))
        _set_size(record, size)
    _check_storage(api, ctx, record, len(new))
    record['locations'] = new
    _activate(record)


def _add(api, ctx, record, index, value):
    locations = record['locations']
    if index == '-':
        position = len(locations)
    elif index is not None and index.isdigit():
        position = int(index)
    else:
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid position for adding a location.')
    _check_owner(ctx, record)
    api.enforce(ctx, 'set_image_location')
    quota.enforce_count(api.conf.image_location_quota, len(locations) + 1,
                        quota.LOCATIONS)
    size = _validate(api.conf, locations, value)
    _set_size(record, size)
    _check_storage(api, ctx, record, len(locations) + 1)
    record['locations'] = (locations[:position] + [_entry(value)]
                           + locations[position:])
    _activate(record)


def _remove(api, ctx, record, index):
    locations = record['locations']
    position = len(locations) - 1
    if index is not None and index.isdigit():
        position = int(index)
    elif index != '-':
        position = -1
    if not 0 <= position < len(locations):
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid position for removing a location.')
    _check_owner(ctx, record)
    api.enforce(ctx, 'delete_image_location')
    record['locations'] = locations[:position] + locations[position + 1:]
    if not record['locations'] and record['status'] == 'active':
        _to_queued(record)


def _entry(location):
    return {'url': location['url'], 'metadata': location['metadata']}


def _validate(conf, existing, location):
    """Check one new location; return its backend size.

    :raises webob.exc.HTTPBadRequest: ``Invalid location: <url>`` or
        ``The location <url> already exists``.
    """
    if not (isinstance(location, dict)
            and isinstance(location.get('url'), str)
            and isinstance(location.get('metadata'), dict)):
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid location: %s' % (location,))
    url = location['url']
    invalid = webob.exc.HTTPBadRequest(
        explanation='Invalid location: %s' % url)
    # Restricted schemes (file, filesystem, swift+config) would expose
    # the server's files, or another image's data to a later removal.
    if not urls.is_external(url):
        raise invalid
    try:
        size = store.get_store_from_uri(conf, url).get_size(url)
    except store_errors.StoreError as exc:
        LOG.info('Refusing location %s: %s', url, exc)
        raise invalid from None
    if not size or size <= 0:
        raise invalid
    if _entry(location) in existing:
        raise webob.exc.HTTPBadRequest(
            explanation='The location %s already exists' % url)
    return size


def _set_size(record, size):
    if not record.get('size'):
        record['size'] = size


def _check_storage(api, ctx, record, copies):
    """413 unless *copies* copies of the image fit the storage quota."""
    limit = api.conf.user_storage_quota
    if limit <= 0:
        return
    size = (record.get('size') or 0) * copies

    def usage():
        return api.db(ctx).user_get_storage_usage(owner_id=ctx.owner,
                                                  image_id=record['id'])
    try:
        quota.check_storage(limit, usage, size)
    except quota.StorageQuotaFull as exc:
        LOG.info('%s%s', QUOTA_PREFIX, exc)
        raise webob.exc.HTTPRequestEntityTooLarge(
            explanation=QUOTA_PREFIX + str(exc)) from None


def _activate(record):
    """``queued`` -> ``active`` once the image has data somewhere."""
    if record['status'] != 'queued':
        return
    missing = [key for key in ('disk_format', 'container_format')
               if not record.get(key)]
    if missing:
        raise webob.exc.HTTPBadRequest(explanation=missing_formats(missing))
    record['status'] = 'active'


def missing_formats(missing):
    """The 400 text for formats missing before data is saved."""
    if len(missing) == 1:
        return 'Property %s must be set prior to saving data.' % missing[0]
    return ('Properties %s must be set prior to saving data.'
            % ', '.join(missing))


def _to_queued(record):
    record['status'] = 'queued'
    record['size'] = None
    record['virtual_size'] = None


def delete_removed(conf, before, after):
    """Delete now the data of the locations *before* had and *after* (the
    record as saved) has not: only once the change is stored, so a
    refused or retried change deletes nothing.

    Not queued for the scrubber even with ``delayed_delete``: it only
    deletes data of ``pending_delete`` images.  A failure is logged.
    """
    kept = [location['url'] for location in after['locations']]
    for location in before['locations']:
        if location['url'] not in kept:
            deletion.delete_data(conf, location['url'], after['id'])
