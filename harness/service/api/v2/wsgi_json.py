"""The one place v2 handlers parse a JSON request body (spec 10.1).

Bodies are parsed whatever their ``Content-Type``.  Keeping the parsing
in :func:`read_json` lets a stricter loader (depth limits...) replace it
for every v2 route at once.
"""

import json

import webob.exc

#: Largest JSON body a v2 metadata call accepts.
MAX_JSON_BODY = 1 << 20


def read_json(req):
    """Return the parsed JSON body of *req* (any JSON type).

    :raises webob.exc.HTTPBadRequest: no body (``Body expected in
        request.``) or not JSON (``Malformed JSON in request body.``).
    :raises webob.exc.HTTPRequestEntityTooLarge: body over 1 MiB.
    """
    data = req.body_file.read(MAX_JSON_BODY + 1)
    if len(data) > MAX_JSON_BODY:
        raise webob.exc.HTTPRequestEntityTooLarge(
            explanation='Request body too large.')
    if not data.strip():
        raise webob.exc.HTTPBadRequest(explanation='Body expected in request.')
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        raise webob.exc.HTTPBadRequest(
            explanation='Malformed JSON in request body.') from None
