"""The one place v2 handlers parse a JSON request body (spec 10.1).

Bodies are parsed whatever their ``Content-Type``, by the service's one
JSON loader (:mod:`harness.service.json_body`: depth limit, no non-finite
numbers), so v2 refuses exactly what v1 and the registry refuse.
"""

import webob.exc

from harness.service.api.v1 import common as v1_common


def read_json(req):
    """Return the parsed JSON body of *req* (any JSON type), read as v1
    reads it (:func:`harness.service.api.v1.common.read_json_body`).

    :raises webob.exc.HTTPBadRequest: no body (``Body expected in
        request.``), not JSON (``Malformed JSON in request body.``), or
        the depth / number refusal of :mod:`harness.service.json_body`.
    :raises webob.exc.HTTPRequestEntityTooLarge: body over 1 MiB.
    """
    body = v1_common.read_json_body(req)
    if body is None:
        raise webob.exc.HTTPBadRequest(explanation='Body expected in request.')
    return body
