"""Reading a pytest report: the sections under one test's failure.

Shared by the plugin's tests (``harness/tests/pytest`` has no
``__init__.py``: pytest puts this directory on ``sys.path``).
"""

import re


def sections(report, test):
    """``{title: text}`` of the report sections under *test*'s failure."""
    found, title, lines = {}, None, []
    start = report.index('_ %s _' % test)
    for line in report[start:].splitlines()[1:]:
        if re.match(r'^_{3,} \w+ _{3,}$', line) or line.startswith('==='):
            break
        match = re.match(r'^-{3,} (\S+) -{3,}$', line)
        if match:
            title, lines = match.group(1), []
            found[title] = lines
        elif title:
            lines.append(line)
    return {name: '\n'.join(text) for name, text in found.items()}
