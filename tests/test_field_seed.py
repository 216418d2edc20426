"""Field-proofing (issue 11, item 15): the seed's "in a nutshell" example."""
from __future__ import absolute_import, division, print_function

import subprocess
import sys

import pytest

# Copied from cryocore-seed.txt ("In a nutshell"), `...` made `pass` for Python 2.7.
NUTSHELL = """\
import CryoCore
try:
    cfg = API.get_config("MyModule")
    log = API.get_log("MyModule")
    status = API.get_status("MyModule")
    log.info("My module version %s starting" % cfg["version"])
    status["state"] = "Initializing"
    status["processed"] = 0
    pass
finally:
    CryoCore.API.shutdown()
"""


def _run(backend, code):
    proc = subprocess.Popen([sys.executable, "-c", code], env=backend.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    return proc.returncode, err.decode()


@pytest.mark.smoke
def test_nutshell_example_needs_its_missing_import_as_on_the_original(backend):
    """The nutshell example fails without its import, as the original; fixed, it runs."""
    status, err = _run(backend, NUTSHELL)
    assert status == 1 and "NameError" in err and "'API'" in err
    status, err = _run(backend, NUTSHELL.replace("import CryoCore\n",
                                                 "import CryoCore\nfrom CryoCore import API\n"))
    assert (status, err) == (0, "")
    values = backend.sql("SELECT p.name, s.value FROM status s JOIN status_parameter p "
                         "ON p.paramid = s.paramid ORDER BY s.id")
    assert values == [("state", "Initializing"), ("processed", "0")]
    assert backend.sql("SELECT message FROM log WHERE logger = 'MyModule'") == [
        ("My module version None starting",)]
