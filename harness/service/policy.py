"""policy.json rules.

A rule is text such as ``role:admin or (tenant:%(owner)s and not
role:guest)``, ``""``/``@`` (always), ``!`` (never), ``rule:<name>``, or the
legacy list-of-lists form (outer list OR, inner lists AND, ``[]`` always).
The file is re-read whenever its mtime, size or inode changes (and, for a
couple of seconds after a change, compared by content, because coarse
timestamps can hide a quick same-size rewrite), so a test that rewrites it
sees the change on its next request.  Rules are parsed only when the text
changed.
"""

import ast
import json
import logging
import os
import threading
import time

import webob.exc

LOG = logging.getLogger(__name__)

#: Rules used when the policy file does not exist.
DEFAULT_RULES = {
    'context_is_admin': 'role:admin',
    'default': '',
    'manage_image_cache': 'role:admin',
}

# A file modified this recently may change again with an equal stamp.
_RACY_WINDOW_NS = 2 * 10 ** 9
# A rule:<name> chain longer than this is a loop; it denies.
_MAX_DEPTH = 50


# A check is a callable (target, creds, rules, depth) -> bool; depth counts
# rule:<name> indirections.

def _always(result):
    return lambda target, creds, rules, depth: result


def _any(checks):
    return lambda target, creds, rules, depth: any(
        check(target, creds, rules, depth) for check in checks)


def _all(checks):
    return lambda target, creds, rules, depth: all(
        check(target, creds, rules, depth) for check in checks)


def _not(check):
    return lambda target, creds, rules, depth: not check(
        target, creds, rules, depth)


def _rule_check(name):
    def check(target, creds, rules, depth):
        if depth > _MAX_DEPTH:
            LOG.warning('Policy rule %s recurses too deeply', name)
            return False
        return rules.evaluate(name, target, creds, depth + 1)
    return check


def _role_check(role):
    def check(target, creds, rules, depth):
        return role.lower() in [str(r).lower() for r in creds['roles']]
    return check


def _generic_check(kind, match):
    """``<key>:<value>``: a credential (or a literal) equals the value."""
    def check(target, creds, rules, depth):
        try:
            expected = match % target
        except (KeyError, TypeError, ValueError):
            return False
        try:
            left = ast.literal_eval(kind)
        except (ValueError, SyntaxError):
            if kind not in creds:
                return False
            left = creds[kind]
        return expected == str(left)
    return check


def parse_check(text):
    """Parse one ``kind:match`` check (or ``@``/``!``)."""
    if text == '@':
        return _always(True)
    if text == '!':
        return _always(False)
    kind, sep, match = text.partition(':')
    if not sep:
        LOG.warning('Policy check %r has no ":"; it always fails', text)
        return _always(False)
    if kind == 'rule':
        return _rule_check(match)
    if kind == 'role':
        return _role_check(match)
    return _generic_check(kind, match)


def tokenize(text):
    """Split rule text into ``(``, ``)``, ``and``/``or``/``not``, checks."""
    tokens = []
    for word in text.split():
        stripped = word.lstrip('(')
        tokens.extend('(' * (len(word) - len(stripped)))
        core = stripped.rstrip(')')
        if core.lower() in ('and', 'or', 'not'):
            tokens.append(core.lower())
        elif core:
            tokens.append(('check', core))
        tokens.extend(')' * (len(stripped) - len(core)))
    return tokens


class _Parser(object):
    """Recursive descent: ``or`` < ``and`` < ``not`` < atom."""

    def __init__(self, tokens):
        self.tokens = tokens
        self.pos = 0

    def _peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self):
        token = self._peek()
        if token is None:
            raise ValueError('unexpected end of rule')
        self.pos += 1
        return token

    def parse(self):
        check = self._or()
        if self._peek() is not None:
            raise ValueError('unexpected %r' % (self._peek(),))
        return check

    def _or(self):
        checks = [self._and()]
        while self._peek() == 'or':
            self._take()
            checks.append(self._and())
        return checks[0] if len(checks) == 1 else _any(checks)

    def _and(self):
        checks = [self._not()]
        while self._peek() == 'and':
            self._take()
            checks.append(self._not())
        return checks[0] if len(checks) == 1 else _all(checks)

    def _not(self):
        if self._peek() == 'not':
            self._take()
            return _not(self._not())
        return self._atom()

    def _atom(self):
        token = self._take()
        if token == '(':
            check = self._or()
            if self._take() != ')':
                raise ValueError('missing ")"')
            return check
        if isinstance(token, tuple):
            return parse_check(token[1])
        raise ValueError('unexpected %r' % (token,))


def parse_rule(rule):
    """Return a check for *rule* (text or legacy list); bad rules deny."""
    if isinstance(rule, list):
        return _parse_list_rule(rule)
    if not isinstance(rule, str):
        LOG.error('Policy rule %r is neither text nor a list', rule)
        return _always(False)
    if not rule.strip():
        return _always(True)
    try:
        return _Parser(tokenize(rule)).parse()
    except ValueError as exc:
        LOG.error('Failed to understand policy rule %r: %s', rule, exc)
        return _always(False)


def _parse_list_rule(rule):
    if not rule:
        return _always(True)
    alternatives = []
    for inner in rule:
        if not inner:
            continue
        if isinstance(inner, str):
            inner = [inner]
        alternatives.append(_all([parse_check(text) for text in inner]))
    return _any(alternatives) if alternatives else _always(False)


class Rules(object):
    """Parsed rules plus the rule used for names that are absent."""

    def __init__(self, rules, default_rule=None):
        self.checks = {name: parse_rule(rule) for name, rule in rules.items()}
        self.default_rule = default_rule

    def evaluate(self, name, target, creds, depth=0):
        """Evaluate rule *name*, else the default rule, else deny."""
        check = self.checks.get(name)
        if check is None:
            check = self.checks.get(self.default_rule)
        if check is None:
            return False
        return check(target, creds, self, depth)


def credentials(context):
    """The values a rule's ``<key>:`` checks compare against."""
    return {'roles': context.roles, 'user': context.user,
            'tenant': context.tenant}


class Enforcer(object):
    """Checks actions against the policy file named by *conf*."""

    def __init__(self, conf):
        self.conf = conf
        self._lock = threading.Lock()
        self._stamp = None
        self._text = None
        self._rules = None

    def check(self, context, action, target=None):
        """Return whether *context* may perform *action* on *target*."""
        target = {} if target is None else target
        return self.rules().evaluate(action, target, credentials(context))

    def enforce(self, context, action, target=None):
        """Like :meth:`check` but raise a bare ``403`` on denial."""
        if not self.check(context, action, target):
            raise webob.exc.HTTPForbidden()

    def check_is_admin(self, context):
        """Return whether ``context_is_admin`` passes for *context*."""
        creds = credentials(context)
        return self.rules().evaluate('context_is_admin', creds, creds)

    def rules(self):
        """Return the current :class:`Rules`, re-reading a changed file."""
        name = self.conf.policy_file
        path = self.conf.find_file(name) if name else None
        stamp = _file_stamp(path)
        with self._lock:
            if (self._rules is None or stamp != self._stamp
                    or _maybe_stale(stamp)):
                self._refresh(path, stamp)
            return self._rules

    def _refresh(self, path, stamp):
        text = None if stamp is None else _read_text(path)
        # Parse only when the text changed: a racy stamp only re-reads.
        if self._rules is None or text != self._text:
            self._rules = Rules(_decode(path, text),
                                self.conf.policy_default_rule)
            self._text = text
        self._stamp = stamp


def _read_text(path):
    try:
        with open(path, encoding='utf-8') as handle:
            return handle.read()
    except OSError as exc:
        LOG.error('Unable to read policy file %s: %s', path, exc)
        raise webob.exc.HTTPInternalServerError(
            'Unable to read policy file.') from None


def _decode(path, text):
    """Return the rules dict of file *text* (``None``: built-in rules)."""
    if text is None:
        return dict(DEFAULT_RULES)
    try:
        data = json.loads(text)
    except ValueError as exc:
        LOG.error('Policy file %s is not valid JSON: %s', path, exc)
        data = None
    if not isinstance(data, dict):
        raise webob.exc.HTTPInternalServerError(
            'Unable to read policy file.')
    LOG.debug('Loaded policy rules from %s', path)
    return data


def _maybe_stale(stamp):
    """Whether a file may have changed without changing its stamp.

    Timestamps can be as coarse as a few milliseconds: a same-size
    rewrite within that window keeps the stamp (git's "racy" files), so a
    recently modified file is re-read and compared.
    """
    return (stamp is not None
            and time.time_ns() - stamp[1] < _RACY_WINDOW_NS)


def _file_stamp(path):
    """Identify a version of the file at *path* (``None``: missing)."""
    if path is None:
        return None
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (path, st.st_mtime_ns, st.st_size, st.st_ino)
