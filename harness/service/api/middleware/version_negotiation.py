"""Pick the API version of a request.

The version comes from an ``Accept: application/vnd.openstack.images-<v>``
header, else from the first path segment, which is removed.  A known,
enabled version rewrites the path to ``/v1<rest>`` or ``/v2<rest>``;
anything else is answered with the versions document.
"""

import logging

from harness.service import process_conf
from harness.service.api import versions
from harness.service.api.middleware import base

LOG = logging.getLogger('harness.api.middleware.version_negotiation')

MEDIA_TYPE_PREFIX = 'application/vnd.openstack.images-'
_TOKENS = {1: ('v1', 'v1.0', 'v1.1'), 2: ('v2', 'v2.0', 'v2.1', 'v2.2')}


def pop_path_segment(req):
    """Remove the first segment of ``PATH_INFO`` and return it.

    Unlike ``Request.path_info_pop`` the segment is not moved to
    ``SCRIPT_NAME``: the version is put back in front of the path.
    """
    path = req.path_info.lstrip('/')
    segment, sep, rest = path.partition('/')
    req.path_info = sep + rest
    return segment


class VersionNegotiationFilter(base.Middleware):
    """Route a request to ``/v1`` or ``/v2``, or answer ``300``."""

    def __init__(self, application, conf=None):
        super().__init__(application)
        conf = process_conf.get_conf() if conf is None else conf
        self.enabled = {1: conf.enable_v1_api, 2: conf.enable_v2_api}
        self.versions_app = versions.app_for(conf)

    def process_request(self, req):
        accept = req.headers.get('Accept', '')
        LOG.debug('Determining version of request: %s %s Accept: %s',
                  req.method, req.path, accept)
        if req.path_info_peek() == 'versions':
            return self.versions_app
        if accept.startswith(MEDIA_TYPE_PREFIX):
            LOG.debug('Using media-type versioning')
            token = accept[len(MEDIA_TYPE_PREFIX):]
        else:
            LOG.debug('Using url versioning')
            token = pop_path_segment(req)
        major = self.match_version(token)
        if major is None:
            LOG.debug('Unknown version. Returning version choices.')
            return self.versions_app
        req.environ['api.version'] = major
        req.path_info = '/v%d%s' % (major, req.path_info)
        LOG.debug('Matched version: v%d, new path %s', major, req.path_info)
        return None

    def match_version(self, token):
        """Return 1 or 2 for a known, enabled version token, else None."""
        for major, tokens in _TOKENS.items():
            if token in tokens and self.enabled[major]:
                return major
        return None
