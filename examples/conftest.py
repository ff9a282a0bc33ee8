"""Each example's failing test runs in an inner pytest (``pytester``), so
that the run of the examples themselves stays green."""

pytest_plugins = ['pytester']
