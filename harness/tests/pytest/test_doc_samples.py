"""Every code sample of the documentation runs as pasted (issue 25).

The pages are every ``.rst`` under ``doc/source`` and README.rst.  Each
page with a file or a command to run is one test, run in a fresh empty
directory of its own: its captioned blocks are written there and its
console blocks run there, in page order (:mod:`sample_runner`).  One more
test checks that every page follows the convention (:mod:`doc_samples`):
a sample that does not run says so with ``:class: not-run``.
"""

import os
import sys
import textwrap

import pytest

import doc_samples
import sample_runner

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))


def pages():
    """Every page's path: README.rst, then doc/source's in name order."""
    found = [os.path.join(ROOT, 'README.rst')]
    for top, dirs, files in os.walk(os.path.join(ROOT, 'doc', 'source')):
        dirs.sort()
        found += [os.path.join(top, f) for f in sorted(files)
                  if f.endswith('.rst')]
    return found


BLOCKS = {os.path.relpath(p, ROOT): doc_samples.read_page(p, ROOT)
          for p in pages()}
RUN = sorted(page for page, blocks in BLOCKS.items()
             if any(b.kind in ('file', 'run') for b in blocks))


@pytest.mark.parametrize('page', RUN)
def test_page_runs_as_pasted(page, tmp_path):
    sample_runner.run_page(BLOCKS[page], str(tmp_path))


def test_every_page_follows_the_convention():
    wrong = [p for blocks in BLOCKS.values()
             for p in doc_samples.problems(blocks)]
    assert [] == wrong, 'samples breaking the convention:\n' + '\n'.join(
        wrong)


RENDER = """
import sys
import docutils.core
docutils.core.publish_string(
    open(sys.argv[1], encoding='utf-8').read(), writer_name='html',
    settings_overrides={'halt_level': 2, 'report_level': 2})
"""


def test_readme_renders_without_sphinx():
    # README.rst is the package's long_description: PyPI and GitHub render
    # it with plain docutils, which knows no Sphinx directive or option.
    # In a fresh interpreter: doc_samples registered its own code-block.
    import subprocess
    proc = subprocess.run(
        [sys.executable, '-c', RENDER, os.path.join(ROOT, 'README.rst')],
        capture_output=True, text=True, timeout=60)
    assert 0 == proc.returncode, (
        'README.rst does not render with plain docutils:\n' + proc.stderr)


# The collector itself.

PAGE = textwrap.dedent('''\
    A page
    ======

    .. code-block:: python
       :caption: hello.py

       print('hello, ' + 'world')

    .. code-block:: console

       $ python hello.py
       hello, ...
    ''')


def blocks_of(text):
    return doc_samples.read_blocks(text, 'page.rst')


def test_a_page_that_runs(tmp_path):
    sample_runner.run_page(blocks_of(PAGE), str(tmp_path))
    assert ['hello.py'] == os.listdir(str(tmp_path))


def test_a_missing_expected_line_fails(tmp_path):
    with pytest.raises(AssertionError) as caught:
        sample_runner.run_page(blocks_of(PAGE + '   goodbye\n'),
                               str(tmp_path))
    assert str(caught.value).startswith(
        'page.rst:11: $ python hello.py\nits output lacks:\n  goodbye\n')


def test_a_failing_command_fails(tmp_path):
    page = PAGE.replace('hello.py\n   hello', 'nothing.py\n   hello')
    with pytest.raises(AssertionError,
                       match=r'(?s)^page.rst:11: .*\nexited 2 after'):
        sample_runner.run_page(blocks_of(page), str(tmp_path))


def test_a_command_that_hangs_is_stopped(tmp_path):
    block = blocks_of('.. code-block:: console\n\n'
                      '   $ python -c "import time; time.sleep(60)"\n')[0]
    command = doc_samples.commands(block)[0]
    with pytest.raises(AssertionError, match='timed out after 1 s'):
        sample_runner.run_command(command, str(tmp_path), timeout=1)


def test_the_convention_is_checked():
    text = textwrap.dedent('''\
        A bare block::

            print(1)

        .. code-block:: python

           print(2)

        .. code-block:: python
           :class: not-run

           print(3)

        .. toctree::

           .. code-block:: text

              nested in a directive docutils does not know

        .. code-block:: console

           output first

        .. code-block:: console

           $ pytest | tee log
           $ FOO=1

        .. code:: python

           print(4)

        .. code-block:: python two arguments

           print(5)
        ''')
    assert [
        'page.rst:3: a bare "::" literal block: use ".. code-block:: LANG"',
        'page.rst:5: neither a captioned file nor a console block: add '
        ':class: not-run and say so in the text',
        'page.rst:16: neither a captioned file nor a console block: add '
        ':class: not-run and say so in the text',
        'page.rst:20: output before any "$ " command',
        'page.rst:24: line 26: | needs a shell: commands run without one',
        'page.rst:24: line 27: an empty command',
        'page.rst:29: ".. code::": use ".. code-block:: LANG"',
        'page.rst:33: docutils cannot read it: Error in "code-block" '
        'directive: maximum 1 argument(s) allowed, 3 supplied.',
    ] == doc_samples.problems(blocks_of(text))


def test_commands_are_read_without_a_shell():
    block = blocks_of(textwrap.dedent('''\
        .. code-block:: console

           $ A=1 B='two words' pytest -q && stestr \\
               run
           ...1 passed...
           $ python3 -m pip install -e '.[test]'
           $ . .venv/bin/activate
        '''))[0]
    chained, install, activate = doc_samples.commands(block)
    assert [({'A': '1', 'B': 'two words'}, ['pytest', '-q']),
            ({}, ['stestr', 'run'])] == chained.chain
    assert ['...1 passed...'] == chained.expected
    assert (3, False, True, True) == (
        chained.line, chained.installs, install.installs, activate.installs)
    assert sample_runner.program('python', os.environ) == sys.executable
    assert sample_runner.matches('...1 passed...', '== 1 passed in 2s ==')
    assert not sample_runner.matches('1 passed', '1 failed')
