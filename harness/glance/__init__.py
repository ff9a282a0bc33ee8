"""The seed's surface: what a Glance 2014.1 functional test imports, with
``glance`` renamed ``harness``.

* :mod:`harness.glance.functional`: ``FunctionalTest``;
* :mod:`harness.glance.utils`: the helpers of ``glance.tests.utils``;
* :mod:`harness.glance.servers`: ``ApiServer``, ``RegistryServer``,
  ``ScrubberDaemon`` (and their base, ``HarnessServer``);
* :mod:`harness.glance.templates`: their conf and paste templates;
* :mod:`harness.glance.data`: the data files (``etc/``), from anywhere.

The documented paths are ``harness.functional``, ``harness.utils`` and
``harness.servers``.
"""
