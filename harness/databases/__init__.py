"""A server's database, and the database servers behind it.

* :mod:`harness.databases.provision`: the URL a server gets and a synced
  database there (sqlite in the test directory by default);
* :mod:`harness.databases.urls`: what a URL says (sqlite or a server);
* :mod:`harness.databases.tables`: emptying a database's tables (the
  per-worker databases' reset and a reused stack's);
* :mod:`harness.databases.cache`: the cache of synced sqlite files and
  initialised data directories;
* :mod:`harness.databases.workers`: each test process's own database on
  a MySQL/PostgreSQL server, and :mod:`harness.databases.lease`, who is
  alive across hosts;
* :mod:`harness.databases.private`: a database server the harness starts
  itself (a bare ``postgresql`` or ``mysql``), and
  :mod:`harness.databases.kinds`, its programs.
"""
