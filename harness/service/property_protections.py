"""Property protections.

The file named by ``property_protection_file`` is INI: each section name
is a regular expression, and the first section (in file order) whose
expression *searches* a property name decides who may ``create``,
``read``, ``update`` and ``delete`` that property.  A property no section
matches is denied everything; a file without sections allows everything.

Two rule formats (``property_protection_rule_format``):

``roles``
    comma-separated role names; allowed when the context has one of them.
``policies``
    one policy rule name, checked as ``rule:<name>`` against policy.json.

In both, ``@`` allows everyone and ``!`` no one; an empty value allows no
one.  Any problem with the file is a :class:`InvalidPropertyProtections`,
a :class:`harness.errors.StartupError`: it is loaded when the API starts.
"""

import configparser
import logging
import re

from harness.errors import StartupError
from harness.service import policy

LOG = logging.getLogger(__name__)

OPERATIONS = ('create', 'read', 'update', 'delete')
FORMATS = ('roles', 'policies')
EVERYONE = '@'
NO_ONE = '!'


class InvalidPropertyProtections(StartupError):
    """The property protection configuration cannot be used."""


class Rule(object):
    """One section: a compiled expression and its permissions.

    :ivar permissions: operation -> list of role names or of (exactly one)
        policy rule names; ``[]`` means no one.
    """

    def __init__(self, expression, regex, permissions):
        self.expression = expression
        self.regex = regex
        self.permissions = permissions


class PropertyRules(object):
    """The loaded rules of one protection file.

    :param rules: list of :class:`Rule`, in file order.
    :param rule_format: ``roles`` or ``policies``.
    :param enforcer: :class:`harness.service.policy.Enforcer` used by the
        ``policies`` format.
    """

    def __init__(self, rules, rule_format='roles', enforcer=None):
        self.rules = rules
        self.rule_format = rule_format
        self.enforcer = enforcer

    def check(self, name, operation, context):
        """Return whether *context* may do *operation* on property *name*.
        """
        if not self.rules:
            return True
        if operation not in OPERATIONS:
            return False
        for rule in self.rules:
            if rule.regex.search(name):
                return self._allowed(rule.permissions[operation], context)
        return False

    def _allowed(self, permissions, context):
        if not permissions:
            return False
        if NO_ONE in permissions:
            return False
        if EVERYONE in permissions:
            return True
        if self.rule_format == 'policies':
            return self._policy_allows(permissions[0], context)
        roles = {role.lower() for role in context.roles}
        return any(role.lower() in roles for role in permissions)

    def _policy_allows(self, rule_name, context):
        check = policy.parse_rule('rule:%s' % rule_name)
        creds = policy.credentials(context)
        return check({}, creds, self.enforcer.rules(), 0)

    def filter_readable(self, properties, context):
        """Return *properties* without those *context* may not read."""
        return {name: value for name, value in properties.items()
                if self.check(name, 'read', context)}


def load(conf, enforcer=None):
    """Load the protections configured in *conf*.

    :returns: a :class:`PropertyRules`, or ``None`` when
        ``property_protection_file`` is unset (protections disabled).
    :raises InvalidPropertyProtections: unknown rule format, missing or
        unreadable file, bad expression, missing operation, a value
        mixing ``@`` and ``!``, or several policies for one operation.
    """
    name = conf.property_protection_file
    if not name:
        return None
    rule_format = conf.property_protection_rule_format
    if rule_format not in FORMATS:
        raise InvalidPropertyProtections(
            "Invalid value '%s' for 'property_protection_rule_format'. "
            "The permitted values are 'roles' and 'policies'" % rule_format)
    path = conf.find_file(name)
    if path is None:
        raise InvalidPropertyProtections(
            "Couldn't find property protection file %s." % name)
    parser = _read(path)
    rules = [_section_rule(parser, section, rule_format)
             for section in parser.sections()]
    LOG.debug('Loaded %d property protection rule(s) from %s', len(rules),
              path)
    if rule_format == 'policies' and enforcer is None:
        enforcer = policy.Enforcer(conf)
    return PropertyRules(rules, rule_format, enforcer)


def _read(path):
    # Section names are regular expressions: no DEFAULT section magic, no
    # interpolation; a repeated section merges as in Glance's parser.
    parser = configparser.RawConfigParser(
        strict=False, default_section='\0none', interpolation=None)
    try:
        with open(path, encoding='utf-8') as handle:
            parser.read_file(handle)
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidPropertyProtections(
            "Couldn't read property protection file %s: %s."
            % (path, exc)) from None
    except configparser.Error as exc:
        raise InvalidPropertyProtections(
            'Invalid property protection file %s: %s'
            % (path, str(exc).splitlines()[0])) from None
    return parser


def _section_rule(parser, section, rule_format):
    try:
        regex = re.compile(section)
    except re.error as exc:
        raise InvalidPropertyProtections(
            'Encountered a malformed property protection rule %s: %s.'
            % (section, exc)) from None
    permissions = {}
    for operation in OPERATIONS:
        if not parser.has_option(section, operation):
            raise InvalidPropertyProtections(
                'Property protection rule [%s] has no %s operation.'
                % (section, operation))
        permissions[operation] = _permissions(
            section, operation, parser.get(section, operation), rule_format)
    return Rule(section, regex, permissions)


def _permissions(section, operation, value, rule_format):
    value = (value or '').strip()
    if not value:
        LOG.warning('Property protection on operation %s for rule %s is '
                    'not found. No role will be allowed to perform this '
                    'operation.', operation, section)
        return []
    if rule_format == 'policies':
        if ',' in value:
            raise InvalidPropertyProtections(
                "Multiple policies '%s' not allowed for a given operation. "
                "Policies can be combined in the policy file" % value)
        return [value]
    items = [item.strip() for item in value.split(',') if item.strip()]
    if EVERYONE in items and NO_ONE in items:
        raise InvalidPropertyProtections(
            "Malformed property protection rule in [%s] %s=%s: '@' and '!' "
            "are mutually exclusive" % (section, operation, value))
    return items
