"""The documentation's code samples, read with docutils and run.

The convention (issue 25) every page under ``doc/source`` and README.rst
follows:

* code is shown with ``.. code-block:: LANG`` only: a bare ``::`` literal
  block, a doctest block or another code directive is rejected;
* a block with ``:caption: FILE`` is a file, written as is into the
  page's own empty directory; ``:name: FILE`` does the same where the
  page must render with plain docutils, which has no ``:caption:``
  (README.rst: PyPI and GitHub render it so);
* a ``console`` block is run: each ``$ `` line a command (shlex-split,
  ``VAR=value`` prefixes, ``&&`` chains, no shell), each other line an
  expected line of its output, ``...`` matching anything; installing
  (``pip install``, ``python3 -m venv``, ``. .venv/bin/activate``) is
  skipped, the test environment has the package and its extras;
* any other block carries ``:class: not-run``.
"""

import dataclasses
import os
import re
import shlex

import docutils.core
from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.parsers.rst import directives
from docutils.parsers.rst.languages import en
from docutils import utils

NOT_RUN = 'not-run'
SHELL_ONLY = {'|', '||', ';', '&', '>', '>>', '<', '2>', '2>&1', '&>'}
ASSIGNMENT = re.compile(r'[A-Za-z_][A-Za-z0-9_]*=')
DIRECTIVE = re.compile(r'^\s*\.\.\s+((?:(?!_)\w)+(?:[-._+:](?:(?!_)\w)+)*)'
                       r'\s*::', re.M)


class AnyOption(dict):
    """Every option accepted, as text (a directive Sphinx knows)."""

    def __missing__(self, key):
        return directives.unchanged


@dataclasses.dataclass
class Block:
    """One literal block of a page, as the collector sees it."""

    page: str
    line: int
    text: str
    directive: str = 'code-block'
    language: str = ''
    caption: str = ''
    classes: tuple = ()
    content_line: int = 0

    @property
    def where(self):
        return '%s:%d' % (self.page, self.line)

    @property
    def kind(self):
        """``'not-run'``, ``'file'``, ``'run'`` or ``'bad'``."""
        if self.directive != 'code-block':
            return 'bad'
        if NOT_RUN in self.classes:
            return 'not-run'
        if self.caption:
            return 'file' if self.language != 'console' else 'bad'
        return 'run' if self.language == 'console' else 'bad'


class CodeBlock(Directive):
    """Sphinx's ``code-block``, reduced to what the collector reads."""

    optional_arguments = 1
    has_content = True
    # Sphinx's own options (caption, linenos, emphasize-lines...) as text.
    option_spec = AnyOption({'class': directives.class_option})

    def run(self):
        node = nodes.literal_block('\n'.join(self.content),
                                   '\n'.join(self.content))
        node.line = self.lineno
        node['sample'] = {
            'directive': self.name,
            'language': self.arguments[0] if self.arguments else '',
            'caption': (self.options.get('caption') or
                        self.options.get('name') or '').strip(),
            'classes': tuple(self.options.get('class', ())),
            'content_line': self.content_offset + 1}
        return [node]


class Nested(Directive):
    """A directive docutils does not know (``toctree``, ``automodule``,
    ``envvar``...): its content is parsed, so no block inside it hides."""

    optional_arguments = 99
    final_argument_whitespace = True
    has_content = True
    option_spec = AnyOption({'class': directives.class_option})

    def run(self):
        node = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


def _register(text):
    """Make docutils read every directive *text* uses."""
    for name in ('code-block', 'code', 'sourcecode', 'literalinclude'):
        directives.register_directive(name, CodeBlock)
    probe = utils.new_document('<probe>')
    for name in set(DIRECTIVE.findall(text)):
        if directives.directive(name, en, probe)[0] is None:
            directives.register_directive(name, Nested)


def read_blocks(text, page):
    """The literal blocks of the reST *text* of *page*, in page order."""
    _register(text)
    tree = docutils.core.publish_doctree(
        text, source_path=page,
        settings_overrides={'report_level': 5, 'halt_level': 5,
                            'file_insertion_enabled': False})
    found = []
    for node in tree.findall(lambda n: isinstance(
            n, (nodes.literal_block, nodes.doctest_block,
                nodes.system_message))):
        if isinstance(node, nodes.system_message):
            found += _unread(node, page)
            continue
        if isinstance(node.parent, nodes.system_message):
            continue  # the source docutils quotes in its message
        sample = node.get('sample')
        if sample is None:
            directive = ('>>>' if isinstance(node, nodes.doctest_block)
                         else '::')
            sample = {'directive': directive}
        found.append(Block(page=page, line=node.line or 0,
                           text=node.astext(), **sample))
    return found


def _unread(message, page):
    """A directive docutils could not read may hide a block: *message*
    as a :class:`Block` to report, if it is about a directive."""
    text = message.children[0].astext() if message.children else ''
    if message['level'] < 3 or 'directive' not in text:
        return []
    if 'directive disabled' in text:
        return []  # .. include::: an .rst it names is read on its own
    return [Block(page=page, line=message.get('line') or 0,
                  text=' '.join(text.split()), directive='error')]


@dataclasses.dataclass
class Command:
    """One ``$`` line of a console block and the output it must show."""

    line: int
    text: str
    expected: list = dataclasses.field(default_factory=list)

    @property
    def chain(self):
        """``[(env, argv)]``: the ``&&``-separated commands."""
        chain, current = [], []
        for token in shlex.split(self.text) + ['&&']:
            if token != '&&':
                current.append(token)
                continue
            env = {}
            while current and ASSIGNMENT.match(current[0]):
                name, _, value = current.pop(0).partition('=')
                env[name] = value
            chain.append((env, current))
            current = []
        return chain

    @property
    def installs(self):
        """True for the install lines the collector skips."""
        argv = self.chain[0][1]
        names = [os.path.basename(a) for a in argv[:4]]
        if names[:1] in (['.'], ['source']):
            return argv[-1].endswith('bin/activate')
        if names[:1] and names[0].startswith('python'):
            names = names[2:] if names[1:2] == ['-m'] else []
            if names[:1] == ['venv']:
                return True
        return names[:1] in (['pip'], ['pip3']) and names[1:2] == ['install']


def commands(block):
    """The :class:`Command` s of a console *block*, a line ending in
    ``\\`` continued on the next.

    :raises ValueError: output before the first ``$`` line.
    """
    found, pending, start = [], '', 0
    for number, line in enumerate(block.text.splitlines()):
        line = line.rstrip()
        if pending or line.startswith('$ '):
            start = start if pending else number
            text = pending + (line[2:] if not pending else line)
            pending = text[:-1] if text.endswith('\\') else ''
            if not pending:
                found.append(Command(block.content_line + start, text))
        elif line.strip():
            if not found:
                raise ValueError('output before any "$ " command')
            found[-1].expected.append(line.strip())
    return found


def problems(blocks):
    """``file:line: what is wrong`` for each block breaking the
    convention."""
    found = []
    for block in blocks:
        found += ['%s: %s' % (block.where, p) for p in _problems(block)]
    return found


def _problems(block):
    if block.directive == '::':
        return ['a bare "::" literal block: use ".. code-block:: LANG"']
    if block.directive == 'error':
        return ['docutils cannot read it: %s' % block.text]
    if block.directive == '>>>':
        return ['a doctest block: use ".. code-block:: pycon" with '
                ':class: not-run, or a captioned file']
    if block.directive != 'code-block':
        return ['".. %s::": use ".. code-block:: LANG"' % block.directive]
    if block.kind == 'not-run':
        return []
    if block.kind == 'bad' and block.caption:
        return ['a console block with a caption: a caption names a file']
    if block.kind == 'bad':
        return ['neither a captioned file nor a console block: add '
                ':class: not-run and say so in the text']
    if block.kind == 'file':
        return _caption_problems(block.caption)
    return _console_problems(block)


def _caption_problems(caption):
    parts = caption.split('/')
    if caption.startswith('/') or '..' in parts or re.search(r'\s', caption):
        return ['caption %r is not a relative file name' % caption]
    return []


def _console_problems(block):
    try:
        found = commands(block)
    except ValueError as exc:
        return [str(exc)]
    if not found:
        return ['a console block without a "$ " command']
    wrong = []
    for command in found:
        try:
            tokens = shlex.split(command.text)
        except ValueError as exc:
            wrong.append('line %d: %s' % (command.line, exc))
            continue
        shell = [t for t in tokens if t in SHELL_ONLY or t[:1] == '>']
        if not all(argv for _, argv in command.chain):
            wrong.append('line %d: an empty command' % command.line)
        elif shell:
            wrong.append('line %d: %s needs a shell: commands run without '
                         'one' % (command.line, ' '.join(shell)))
    return wrong


def read_page(path, root):
    """The blocks of the page at *path*, named relative to *root*."""
    with open(path, encoding='utf-8') as handle:
        return read_blocks(handle.read(), os.path.relpath(path, root))
