"""Methods a v2 resource does not take: 405 with the ``Allow`` header
of the methods it does take."""

from harness.tests.v2_corpus import Case

_IMAGE = b'/v2/images/{Q}'

#: ``(name, method, target, Allow)``.
_WRONG = (
    ('images_put', b'PUT', b'/v2/images', b'GET, POST'),
    ('images_delete', b'DELETE', b'/v2/images', b'GET, POST'),
    ('images_patch', b'PATCH', b'/v2/images', b'GET, POST'),
    ('image_post', b'POST', _IMAGE, b'DELETE, GET, PATCH'),
    ('image_put', b'PUT', _IMAGE, b'DELETE, GET, PATCH'),
    ('file_post', b'POST', _IMAGE + b'/file', b'GET, PUT'),
    ('file_delete', b'DELETE', _IMAGE + b'/file', b'GET, PUT'),
    ('file_patch', b'PATCH', _IMAGE + b'/file', b'GET, PUT'),
    ('tag_get', b'GET', _IMAGE + b'/tags/t1', b'DELETE, PUT'),
    ('tag_post', b'POST', _IMAGE + b'/tags/t1', b'DELETE, PUT'),
    ('members_put', b'PUT', _IMAGE + b'/members', b'GET, POST'),
    ('members_delete', b'DELETE', _IMAGE + b'/members', b'GET, POST'),
    ('member_post', b'POST', _IMAGE + b'/members/tenant2',
     b'DELETE, GET, PUT'),
    ('member_patch', b'PATCH', _IMAGE + b'/members/tenant2',
     b'DELETE, GET, PUT'),
    ('schema_post', b'POST', b'/v2/schemas/image', b'GET'),
    ('schema_delete', b'DELETE', b'/v2/schemas/images', b'GET'),
    ('tasks_put', b'PUT', b'/v2/tasks', b'GET, POST'),
    ('tasks_delete', b'DELETE', b'/v2/tasks', b'GET, POST'),
    ('task_put', b'PUT', b'/v2/tasks/{M}', b'GET'),
    ('task_post', b'POST', b'/v2/tasks/{M}', b'GET'),
    ('task_delete', b'DELETE', b'/v2/tasks/{M}', b'GET'),
    ('images_options', b'OPTIONS', b'/v2/images', b'GET, POST'),
)

CASES = [Case('method_' + name, method, target, expect=405, allow=allow)
         for name, method, target, allow in _WRONG]
