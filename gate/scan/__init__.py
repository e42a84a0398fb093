"""全站巡检: scan a whole site's archive with the gate on a Dask cluster, incrementally.

One module per job: ``sources`` and ``fetch`` read pages (exported trees, WARC files, URL lists and
sitemaps), ``metadata`` maps a page to a draft with the site's TOML mapping, ``worker`` checks
batches on the cluster, ``engine`` streams batches to it, ``store`` keeps results in SQLite keyed
by (URL, content SHA-256, ruleset), ``links`` probes dead links, ``changes`` compares scans,
``outputs``/``html_report`` write the files people read, ``quarterly`` drafts the 自查报告 and
``commands`` wires ``pubgate scan`` and ``pubgate report quarterly``.

Importing this package is cheap: Dask, warcio, openpyxl and python-docx load on first use.
"""
