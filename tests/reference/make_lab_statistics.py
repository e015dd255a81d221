#!/usr/bin/env python3
"""Reference values for the lab's statistics (tests/lab/test_lab_statistics.cpp), made with SciPy:

* Wilson 95 % score intervals: scipy.stats.binomtest(k, n).proportion_ci(0.95, method="wilson")
* exact McNemar p-values: the two-sided exact binomial test on the discordant pairs,
  scipy.stats.binomtest(min(b, c), b + c, 0.5).pvalue (equal to statsmodels' mcnemar(exact=True))

Run: python3 tests/reference/make_lab_statistics.py > tests/reference/data/lab_statistics.json
"""
import json
import sys

import scipy
from scipy.stats import binomtest

wilson = []
for n in [1, 2, 3, 5, 10, 17, 30, 60, 100, 250, 1000, 5000]:
    for k in sorted({0, 1, n // 3, n // 2, n - 1, n}):
        if 0 <= k <= n:
            ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
            wilson.append({"k": k, "n": n, "low": ci.low, "high": ci.high})

mcnemar = []
for b, c in [(0, 0), (0, 1), (1, 0), (1, 1), (0, 5), (2, 7), (3, 3), (12, 2), (5, 20), (10, 11), (0, 30),
             (40, 25), (100, 80), (7, 0), (60, 40), (250, 300), (1, 9), (13, 3), (500, 440), (1500, 1400)]:
    n = b + c
    p = 1.0 if n == 0 else binomtest(min(b, c), n, 0.5).pvalue
    mcnemar.append({"b": b, "c": c, "p": p})

out = sys.stdout
out.write('{"generator": "tests/reference/make_lab_statistics.py", "scipy": "%s",\n' % scipy.__version__)
for name, rows in (("wilson", wilson), ("mcnemar", mcnemar)):
    out.write(' "%s": [\n' % name)
    out.write(",\n".join("  " + json.dumps(r) for r in rows))
    out.write("\n ]%s\n" % ("," if name == "wilson" else ""))
out.write("}\n")
