#!/usr/bin/env bash
# Install CryoCore (and its dependencies) into the current Python environment.
#
#   Install/install.sh            install the package and tools (embedded SQLite default)
#   Install/install.sh --demo     ... then run the demo instrument and show its data
#   Install/install.sh --mysql    ... and set up a MySQL/MariaDB database and user
#
# --mysql creates database $CC_DB_NAME (cryocore) and user $CC_DB_USER (cc) with a
# generated password, and writes ~/.cryoconfig (mode 0600).  It connects as the MySQL
# admin through the client's own option files: by default root over the local socket
# (as `sudo mysql` does); set CC_ADMIN_DEFAULTS=FILE to use an option file with
# [client] user=/password= instead.  No password ever appears on a command line; SQL
# goes to the client on standard input.  Re-running is harmless: an existing
# ~/.cryoconfig password is kept and re-applied.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
DEMO=0; MYSQL=0
for arg in "$@"; do
    case "$arg" in
        --demo) DEMO=1 ;;
        --mysql) MYSQL=1 ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown option $arg (see --help)" >&2; exit 2 ;;
    esac
done

if [ -n "${VIRTUAL_ENV:-}" ]; then PY="${PYTHON:-python}"; else PY="${PYTHON:-python3}"; fi
echo "== installing CryoCore with $($PY --version 2>&1) ($(command -v $PY))"
PIP_ARGS="-q --disable-pip-version-check"
if [ -z "${VIRTUAL_ENV:-}" ] && [ "$(id -u)" != "0" ]; then PIP_ARGS="$PIP_ARGS --user"; fi
"$PY" -m pip install $PIP_ARGS "$HERE" 2>&1 | grep -v -E "^WARNING: (Url|Location) " || true
"$PY" -c "import CryoCore, mysql.connector" || { echo "install.sh: installation failed" >&2; exit 1; }
BIN="$("$PY" -c 'import sys, os; print(os.path.dirname(sys.executable))')"
if command -v activate-global-python-argcomplete >/dev/null 2>&1; then
    echo "   (tab completion: run 'activate-global-python-argcomplete --user' once)"
fi

if [ "$MYSQL" = 1 ]; then
    DB_NAME="${CC_DB_NAME:-cryocore}"; DB_USER="${CC_DB_USER:-cc}"; DB_HOST="${CC_DB_HOST:-localhost}"
    CLIENT="$(command -v mariadb || command -v mysql || true)"
    [ -n "$CLIENT" ] || { echo "install.sh: no mysql/mariadb client found" >&2; exit 1; }
    CONF="$HOME/.cryoconfig"
    PASSWORD="$("$PY" - "$CONF" <<'PYEOF'
import json, os, sys, binascii
path = sys.argv[1]
try:
    with open(path) as f:
        old = json.load(f).get("db_password")
except (IOError, OSError, ValueError):
    old = None
print(old or binascii.hexlify(os.urandom(16)).decode())
PYEOF
)"
    ADMIN=()
    if [ -n "${CC_ADMIN_DEFAULTS:-}" ]; then ADMIN=(--defaults-extra-file="$CC_ADMIN_DEFAULTS"); fi
    echo "== creating database $DB_NAME and user $DB_USER"
    "$CLIENT" "${ADMIN[@]}" <<SQL
CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$PASSWORD';
CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$PASSWORD';
ALTER USER '$DB_USER'@'localhost' IDENTIFIED BY '$PASSWORD';
ALTER USER '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$PASSWORD';
GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_USER'@'localhost';
GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_USER'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL
    CC_PASSWORD="$PASSWORD" "$PY" - "$CONF" "$DB_NAME" "$DB_USER" "$DB_HOST" <<'PYEOF'
import json, os, sys
path, name, user, host = sys.argv[1:5]
try:
    with open(path) as f:
        data = json.load(f)
except (IOError, OSError, ValueError):
    data = {}
data.update({"db_type": "mysql", "db_name": name, "db_user": user, "db_host": host,
             "db_password": os.environ["CC_PASSWORD"]})
fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as f:
    json.dump(data, f, indent=2)
os.chmod(path + ".tmp", 0o600)
os.rename(path + ".tmp", path)
PYEOF
    echo "   wrote $CONF (mode 0600)"
fi

if [ "$DEMO" = 1 ]; then
    echo "== running the demo instrument (python -m CryoCore.demo)"
    "$PY" -m CryoCore.demo
fi
echo "== done: tools are ConfigTool.py, ConfigUI.py, TailStatus.py, TailLog.py, Snapshot.py,"
echo "   StatusExport.py, DbSync.py (in $BIN); StatusPlot.py, WebServer.py and the parquet/netCDF"
echo "   exports need an extra: pip install \"CryoCore[plot]\" / \"CryoCore[web]\" / \"CryoCore[export]\""
