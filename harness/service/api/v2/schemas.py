"""JSON schemas of the v2 API and validation against them.

Validation uses the ``jsonschema`` package (Draft 4, as Glance did);
the message of a failure is the validator's own.
"""

import copy
import json
import logging

import jsonschema
import webob.exc

from harness.errors import StartupError

LOG = logging.getLogger(__name__)

UUID_PATTERN = ('^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}'
                '-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$')
CUSTOM_FILE = 'schema-image.json'


def _prop(kind, description, **extra):
    return dict(type=kind, description=description, **extra)


def image_properties(conf):
    """The base properties of the image schema."""
    return {
        'id': _prop('string', 'An identifier for the image',
                    pattern=UUID_PATTERN),
        'name': _prop('string', 'Descriptive name for the image',
                      maxLength=255),
        'status': _prop('string', 'Status of the image (READ-ONLY)',
                        enum=['queued', 'saving', 'active', 'killed',
                              'deleted', 'pending_delete']),
        'visibility': _prop('string', 'Scope of image accessibility',
                            enum=['public', 'private']),
        'protected': _prop('boolean',
                           'If true, image will not be deletable.'),
        'checksum': _prop('string',
                          'md5 hash of image contents. (READ-ONLY)',
                          maxLength=32),
        'owner': _prop('string', 'Owner of the image', maxLength=255),
        'size': _prop('integer', 'Size of image file in bytes (READ-ONLY)'),
        'virtual_size': _prop('integer', 'Virtual size of image in bytes '
                              '(READ-ONLY)'),
        'container_format': _prop(
            'string', 'Format of the container',
            enum=list(conf.get('container_formats', 'image_format'))),
        'disk_format': _prop(
            'string', 'Format of the disk',
            enum=list(conf.get('disk_formats', 'image_format'))),
        'created_at': _prop('string', 'Date and time of image registration'
                            ' (READ-ONLY)'),
        'updated_at': _prop('string', 'Date and time of the last image '
                            'modification (READ-ONLY)'),
        'tags': _prop('array', 'List of strings related to the image',
                      items={'type': 'string', 'maxLength': 255}),
        'direct_url': _prop('string', 'URL to access the image file kept '
                            'in external store (READ-ONLY)'),
        'min_ram': _prop('integer', 'Amount of ram (in MB) required to '
                         'boot image.'),
        'min_disk': _prop('integer', 'Amount of disk space (in GB) '
                          'required to boot image.'),
        'self': _prop('string', '(READ-ONLY)'),
        'file': _prop('string', '(READ-ONLY)'),
        'schema': _prop('string', '(READ-ONLY)'),
        'locations': _prop(
            'array', 'A set of URLs to access the image file kept in '
            'external store',
            items={'type': 'object', 'properties': {
                'url': {'type': 'string', 'maxLength': 255},
                'metadata': {'type': 'object'}},
                'required': ['url', 'metadata']}),
    }


def load_custom_properties(conf):
    """The properties of ``schema-image.json`` (``{}`` without one).

    :raises StartupError: the file is unreadable or not a JSON object.
    """
    path = conf.find_file(CUSTOM_FILE)
    if path is None:
        LOG.warning('Could not find schema properties file %s. Continuing '
                    'without custom properties', CUSTOM_FILE)
        return {}
    try:
        with open(path, encoding='utf-8') as stream:
            custom = json.load(stream)
    except (OSError, ValueError) as exc:
        raise StartupError('Unable to load schema: %s: %s'
                           % (path, exc)) from None
    if not isinstance(custom, dict):
        raise StartupError('Unable to load schema: %s is not a JSON object'
                           % path)
    return custom


def merge_properties(base, custom):
    """*base* plus *custom*; a redefined base property is an error."""
    conflicts = sorted(key for key in set(base) & set(custom)
                       if base[key] != custom[key])
    if conflicts:
        raise StartupError('Unable to load schema: custom properties (%s) '
                           'conflict with base properties'
                           % ', '.join(conflicts))
    merged = dict(base)
    merged.update(custom)
    return merged


def _collection(name, item, links=True):
    schema = {'name': name, 'properties': {
        name: {'type': 'array', 'items': item},
        'schema': {'type': 'string'}}}
    if links:
        schema['properties'].update(first={'type': 'string'},
                                    next={'type': 'string'})
        schema['links'] = [{'rel': 'first', 'href': '{first}'},
                           {'rel': 'next', 'href': '{next}'},
                           {'rel': 'describedby', 'href': '{schema}'}]
    else:
        schema['links'] = [{'rel': 'describedby', 'href': '{schema}'}]
    return schema


def member_schema():
    return {'name': 'member', 'properties': {
        'member_id': _prop('string', 'An identifier for the image member '
                           '(tenantId)'),
        'image_id': _prop('string', 'An identifier for the image',
                          pattern=UUID_PATTERN),
        'created_at': _prop('string', 'Date and time of image member '
                            'creation'),
        'updated_at': _prop('string', 'Date and time of last modification '
                            'of image member'),
        'status': _prop('string', 'The status of this image member',
                        enum=['pending', 'accepted', 'rejected']),
        'schema': {'type': 'string'}}}


def task_schema():
    return {'name': 'task', 'properties': {
        'id': _prop('string', 'An identifier for the task',
                    pattern=UUID_PATTERN),
        'type': _prop('string', 'The type of task represented by this '
                      'content', enum=['import']),
        'status': _prop('string', 'The current status of this task',
                        enum=['pending', 'processing', 'success',
                              'failure']),
        'input': _prop('object', 'The parameters required by task, JSON '
                       'blob'),
        'result': _prop('object', 'The result of current task, JSON blob'),
        'owner': _prop('string', 'An identifier for the owner of this '
                       'task'),
        'message': _prop('string', 'Human-readable informative message '
                         'only included when appropriate (usually on '
                         'failure)'),
        'expires_at': _prop('string', 'Datetime when this resource would be'
                            ' subject to removal'),
        'created_at': _prop('string', 'Datetime when this resource was '
                            'created'),
        'updated_at': _prop('string', 'Datetime when this resource was '
                            'updated'),
        'self': {'type': 'string'},
        'schema': {'type': 'string'}}}


class Schemas(object):
    """The six schemas of a service configured by *conf*.

    :raises StartupError: ``schema-image.json`` is unusable or conflicts.
    """

    def __init__(self, conf):
        properties = merge_properties(image_properties(conf),
                                      load_custom_properties(conf))
        image = {'name': 'image', 'properties': properties}
        if conf.allow_additional_image_properties:
            image['additionalProperties'] = {'type': 'string'}
            image['links'] = [{'rel': 'self', 'href': '{self}'},
                              {'rel': 'enclosure', 'href': '{file}'},
                              {'rel': 'describedby', 'href': '{schema}'}]
        else:
            image['additionalProperties'] = False
        task = task_schema()
        brief_task = copy.deepcopy(task)
        for key in ('input', 'result', 'message'):
            del brief_task['properties'][key]
        self._all = {
            'image': image, 'images': _collection('images', image),
            'member': member_schema(),
            'members': _collection('members', member_schema(), False),
            'task': task, 'tasks': _collection('tasks', brief_task)}
        self._image_validator = jsonschema.Draft4Validator(image)
        # Port: a body that is not an object is refused, not a 500.
        self._object_validator = jsonschema.Draft4Validator(
            {'type': 'object'})
        self._task_validator = jsonschema.Draft4Validator(task)

    def get(self, name):
        """A deep copy of schema *name* (callers may change it)."""
        return copy.deepcopy(self._all[name])

    def validate_image(self, obj):
        """400 unless *obj* matches the image schema."""
        _validate(self._object_validator, 'image', obj)
        _validate(self._image_validator, 'image', obj)
        _check_tags_text(obj.get('tags'))

    def validate_task(self, obj):
        """400 unless *obj* matches the task schema."""
        _validate(self._object_validator, 'task', obj)
        _validate(self._task_validator, 'task', obj)


def _check_tags_text(tags):
    """400 for a tag holding NUL: the schema takes it, but PostgreSQL
    stores no NUL (a 500 there); refused alike on every database."""
    if isinstance(tags, list) and any(
            isinstance(tag, str) and '\0' in tag for tag in tags):
        raise webob.exc.HTTPBadRequest(
            explanation="Provided object does not match schema 'image': "
                        "a tag holds a NUL character")


def _validate(validator, name, obj):
    error = jsonschema.exceptions.best_match(validator.iter_errors(obj))
    if error is not None:
        raise webob.exc.HTTPBadRequest(
            explanation="Provided object does not match schema '%s': %s"
            % (name, error.message))
