"""The one place v2 handlers parse a JSON request body (spec 10.1).

Bodies are parsed whatever their ``Content-Type``, by the service's one
JSON loader (:mod:`harness.service.json_body`: depth limit, no non-finite
numbers), so v2 refuses exactly what v1 and the registry refuse.
"""

import webob.exc

from harness.service import json_body

#: Largest JSON body a v2 metadata call accepts.
MAX_JSON_BODY = 1 << 20


def read_json(req):
    """Return the parsed JSON body of *req* (any JSON type).

    :raises webob.exc.HTTPBadRequest: no body (``Body expected in
        request.``), not JSON (``Malformed JSON in request body.``), or
        the depth / number refusal of :mod:`harness.service.json_body`.
    :raises webob.exc.HTTPRequestEntityTooLarge: body over 1 MiB.
    """
    data = req.body_file.read(MAX_JSON_BODY + 1)
    if len(data) > MAX_JSON_BODY:
        raise webob.exc.HTTPRequestEntityTooLarge(
            explanation='Request body too large.')
    if not data.strip():
        raise webob.exc.HTTPBadRequest(explanation='Body expected in request.')
    try:
        return json_body.loads(data)
    except json_body.InvalidJSON as exc:
        raise webob.exc.HTTPBadRequest(explanation=str(exc)) from None
