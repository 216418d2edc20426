"""Self-signed certificates for a private MariaDB with TLS (made with the openssl CLI)."""
from __future__ import absolute_import, division, print_function

import os
import subprocess


def _openssl(args, cwd):
    subprocess.check_call(["openssl"] + args, cwd=cwd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)


def make_certs(directory, names=("server", "client"), host="127.0.0.1",
               san="IP:127.0.0.1,DNS:localhost"):
    """A CA (ca.pem) and, for each name, NAME.pem/NAME.key signed by it for `host`
    (common name) and `san` (subjectAltName); returns paths."""
    d = str(directory)
    if not os.path.isdir(d):
        os.makedirs(d)
    _openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
              "-subj", "/CN=CryoCore test CA", "-keyout", "ca.key", "-out", "ca.pem"], d)
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=%s\n" % san)
    paths = {"ca": os.path.join(d, "ca.pem")}
    for name in names:
        _openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + host,
                  "-keyout", name + ".key", "-out", name + ".csr"], d)
        _openssl(["x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                  "-CAcreateserial", "-days", "2", "-out", name + ".pem",
                  "-extfile", "ext.cnf"], d)
        paths[name + "_cert"] = os.path.join(d, name + ".pem")
        paths[name + "_key"] = os.path.join(d, name + ".key")
    return paths
