"""A field producer for the sync tests: status, 2-D status, log rows and config through
the ordinary API of whatever database CRYOCORE_CONFIG names.  Run as a script::

    python tests/_sync_producer.py N TAG [RATE] [--hostile]

writes N rounds (each: two status values, one log record, every 50th a 2-D cell and a
config value), at RATE rounds/s if given, then shuts down (everything stored).
"""
from __future__ import absolute_import, division, print_function

import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

#: Names and values that must survive the trip exactly (no case-only or trailing-space
#: twins: MySQL takes those for one name, and the sync reports them instead).
HOSTILE = [u"'", u'"; DROP TABLE status; --', u"%s %% %(x)s", u"back\\slash\\'", u"\u00e9\u00c6",
           u"\U0001F600 smile", u"tab\there", u"new\nline", u"\x1b[31mred", u"x" * 170,
           u"a:b:c", u"NULL", u"_%_"]


def run(n, tag, rate=None, hostile=False):
    from CryoCore import API
    status = API.get_status(u"Field.%s" % tag if not hostile else u"F'%s\\\u00e9" % tag)
    log = API.get_log(u"field.%s" % tag)
    grid = status.new2d(u"grid", (4, 4), 0)
    cfg = API.get_config(None)
    start = time.time()
    for k in range(n):
        if rate:
            pause = start + k / float(rate) - time.time()
            if pause > 0:
                time.sleep(pause)
        if hostile:
            word = HOSTILE[k % len(HOSTILE)]
            status[word] = word + u" %d" % k
            status[u"long"] = (word * 2048)[:2048 - len(str(k))] + str(k)
            log.warning(u"%s %d", word, k)
        else:
            status[u"k"] = k
            status[u"text"] = u"v%d" % k
            log.info(u"m%d", k)
        if k % 50 == 0:
            grid.set_value((k % 4, (k // 4) % 4), k % 256)
            cfg.set(u"%s.count" % tag.replace(u".", u"_"), k, create=True)
            if hostile:
                cfg.set(u"%s.q%d" % (tag, k % 3), HOSTILE[k % len(HOSTILE)][:200], create=True)
    API.shutdown()


if __name__ == "__main__":
    run(int(sys.argv[1]), sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 and
        sys.argv[3] != "--hostile" else None, "--hostile" in sys.argv)
