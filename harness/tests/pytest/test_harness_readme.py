"""The README's tutorials run exactly as pasted.

Each literal block is cut out of README.rst, written to a file of its own
and run the way the README says: the testtools tutorial with
``python -m testtools.run`` and with ``pytest``, the pytest tutorial with
``pytest`` and ``pytest -n 2``, the fixtures example with
``python -m testtools.run``.
"""

import os
import re
import subprocess
import sys

import pytest

import harness

README = os.path.join(os.path.dirname(os.path.dirname(harness.__file__)),
                      'README.rst')


def literal_blocks(text):
    """The literal blocks (after ``::``) of reST *text*, dedented."""
    blocks = []
    for match in re.finditer(r'::\n\n((?:(?: {4}.*)?\n)+)', text):
        lines = match.group(1).rstrip('\n').splitlines()
        blocks.append('\n'.join(line[4:] for line in lines) + '\n')
    return blocks


def block_with(marker):
    with open(README) as handle:
        found = [b for b in literal_blocks(handle.read()) if marker in b]
    assert 1 == len(found), marker
    return found[0]


def run(work, *args):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith('PYTEST_')}  # we may run under xdist
    proc = subprocess.run([sys.executable, '-m'] + list(args), cwd=work,
                          env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.parametrize('marker, name, commands', [
    ('class TestImages(functional.FunctionalTest)', 'test_images', [
        (('testtools.run', 'test_images'), r'^Ran 1 test'),
        (('pytest', '-q', 'test_images.py'), r'^1 passed\b')]),
    ('def test_empty_list(harness_stack)', 'test_plugin', [
        (('pytest', '-q', 'test_plugin.py'), r'^2 passed\b'),
        (('pytest', '-q', '-n', '2', 'test_plugin.py'), r'^2 passed\b')]),
    ('class TestWithAFixture(testtools.TestCase)', 'test_fixture', [
        (('testtools.run', 'test_fixture'), r'^Ran 1 test')]),
])
def test_tutorial_runs_as_pasted(tmp_path, marker, name, commands):
    with open(str(tmp_path / (name + '.py')), 'w') as handle:
        handle.write(block_with(marker))
    for command, passed in commands:
        code, output = run(str(tmp_path), *command)
        assert 0 == code, output
        assert re.search(passed, output, re.M), output
