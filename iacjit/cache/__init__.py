"""The content cache: layers of pickled results, each keyed by everything that determines it.

A scan of unchanged inputs reads the highest layer that applies and stops there; a miss falls
through to the layer below, and every layer is safe to lose (docs/performance.md).

* :mod:`~iacjit.cache.store` — the content store itself: SHA-256 keys over the versions and
  the parts given, checksummed pickles outside the repository, a miss on anything odd.
* :mod:`~iacjit.cache.files` — per-file outcomes: a Terraform file's syntax tree, an ARM,
  CloudFormation or plan file's whole parse, keyed by the bytes of what the parse reads; the
  files still to parse go to :mod:`~iacjit.cache.pool`, the process pool.
* :mod:`~iacjit.cache.plan` — the plan key (every input file's name and bytes, the options,
  the working directory) with its stat index, and the whole parsed plan stored under it.
* :mod:`~iacjit.cache.units` — below the plan: each Terraform root's evaluated outcome, checked
  against every read its evaluation made, so a changed file re-evaluates only the roots that
  read it.
* :mod:`~iacjit.cache.analysis` — on top of the plan key: the rules' outputs, the JIT table
  and the chains; suppressions and the baseline are applied on every scan all the same.
* :mod:`~iacjit.cache.report` — on top of the plan key: the rendered report and exit code,
  so an unchanged re-scan imports neither the parsers nor the rules.
"""
