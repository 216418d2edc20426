"""Install CryoCore on Python 2.7 and 3.8+ (pip install .)."""
import os
import re
import sys

from setuptools import find_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "CryoCore", "__init__.py")) as f:
    VERSION = re.search(r'__version__ = "([^"]+)"', f.read()).group(1)

if sys.version_info[0] == 2:
    REQUIRES = ["mysql-connector-python==8.0.23", "argcomplete<2"]
else:
    REQUIRES = ["mysql-connector-python>=8.0.23", "argcomplete"]

TOOLS = {"ConfigTool": "ccconfig", "ConfigUI": "ccconfigui",
         "TailStatus": "ccstatus", "TailLog": "cclog",
         "StatusExport": "ccexport", "StatusPlot": "ccplot", "DbSync": "ccsync",
         "Snapshot": "ccsnapshot", "WebServer": "ccweb"}
SCRIPTS = []
for tool, short in sorted(TOOLS.items()):
    target = "CryoCore.Tools.%s:console_main" % tool
    SCRIPTS.append("%s.py = %s" % (tool, target))
    SCRIPTS.append("%s = %s" % (short, target))

setup(
    name="CryoCore",
    version=VERSION,
    description="Config, status and log services for instrument and control software",
    packages=find_packages(include=["CryoCore", "CryoCore.*"]),
    install_requires=REQUIRES,
    extras_require={"test": ["pytest", "pytest-timeout", "hypothesis", "pyte",
                             "prometheus_client",
                             'httpx; python_version >= "3.8"',
                             'selenium; python_version >= "3.8"'],
                    # Python 3 only: StatusExport parquet/netcdf, StatusPlot, the web dashboard
                    "export": ["pyarrow; python_version >= '3.8'",
                               "netCDF4; python_version >= '3.8'"],
                    "plot": ["matplotlib; python_version >= '3.8'",
                             "plotext>=5.2,<6; python_version >= '3.8'"],
                    "web": ['starlette>=0.27; python_version >= "3.8"',
                            'uvicorn>=0.22; python_version >= "3.8"']},
    package_data={"CryoCore.Web": ["static/*.*", "static/vendor/*"]},
    entry_points={"console_scripts": SCRIPTS},
    python_requires=">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*, !=3.4.*, !=3.5.*, !=3.6.*, !=3.7.*",
)
