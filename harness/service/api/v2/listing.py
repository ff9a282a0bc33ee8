"""``GET /v2/images``: filters, paging, sorting, links."""

import urllib.parse

import webob.exc

from harness.service import errors as db_errors
from harness.service import webapp
from harness.service.api.v2 import repo
from harness.service.api.v2 import view

#: Query parameters that are not filters.
RESERVED_PARAMS = ('limit', 'marker', 'sort_key', 'sort_dir',
                   'member_status', 'tag')
MEMBER_STATUSES = ('pending', 'accepted', 'rejected', 'all')
VISIBILITIES = ('public', 'private', 'shared')


def bad_request(message):
    return webob.exc.HTTPBadRequest(explanation=message)


def parse_limit(conf, text):
    """The page size asked for, capped at ``api_limit_max``."""
    if text is None:
        return min(conf.limit_param_default, conf.api_limit_max)
    try:
        limit = int(text)
    except ValueError:
        raise bad_request('limit param must be an integer') from None
    if limit < 0:
        raise bad_request('limit param must be positive')
    return min(conf.api_limit_max, limit)


def list_arguments(conf, params):
    """``image_get_all`` keyword arguments of query *params* (a
    ``webob.multidict.MultiDict``)."""
    sort_dir = params.get('sort_dir', 'desc')
    if sort_dir not in ('asc', 'desc'):
        raise bad_request('Invalid sort direction: %s' % sort_dir)
    member_status = params.get('member_status', 'accepted')
    if member_status not in MEMBER_STATUSES:
        raise bad_request('Invalid status: %s' % member_status)
    filters = {key: value for key, value in params.items()
               if key not in RESERVED_PARAMS}
    visibility = filters.get('visibility')
    if visibility is not None and visibility not in VISIBILITIES:
        raise bad_request('Invalid visibility value: %s' % visibility)
    tags = params.getall('tag')
    if tags:
        filters['tags'] = tags
    filters['deleted'] = False
    return {'filters': filters, 'marker': params.get('marker'),
            'limit': parse_limit(conf, params.get('limit')),
            'sort_key': params.get('sort_key', 'created_at'),
            'sort_dir': sort_dir, 'member_status': member_status}


def page_links(params, items, limit, base='/v2/images'):
    """The ``first`` (and, for a full page, ``next``) links of a listing
    of *base* (images, or tasks), in the request's parameter order."""
    kept = [(key, value) for key, value in params.items()
            if key != 'marker']
    links = {'first': base}
    if kept:
        links['first'] += '?' + urllib.parse.urlencode(kept)
    if items and len(items) == limit:
        kept.append(('marker', items[-1]['id']))
        links['next'] = base + '?' + urllib.parse.urlencode(kept)
    return links


class Lister(object):
    """The image listing (*api*: the router)."""

    def __init__(self, api):
        self.api = api

    def index(self, req):
        ctx = self.api.context(req)
        self.api.enforce(ctx, 'get_images')
        arguments = list_arguments(self.api.conf, req.GET)
        db = self.api.db(ctx)
        try:
            rows = db.image_get_all(**arguments)
            tags = repo.tags_of(db, [row['id'] for row in rows])
        except db_errors.InvalidSortKey:
            raise bad_request('Sort key supplied was not valid.') from None
        except (db_errors.NotFound, db_errors.Invalid) as exc:
            raise bad_request(str(exc)) from None
        except db_errors.Forbidden:
            # An invisible marker reads as an unknown one.
            raise bad_request('No image found with ID %s'
                              % arguments['marker']) from None
        images = [view.image(self.api, ctx,
                             repo.to_record(self.api.conf, row,
                                            tags[row['id']]))
                  for row in rows]
        body = {'images': images, 'schema': '/v2/schemas/images'}
        body.update(page_links(req.GET, images, arguments['limit']))
        return webapp.json_response(body)
