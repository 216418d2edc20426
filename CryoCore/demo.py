"""A demo instrument module, then its config, status and logs shown by the tools.

    python -m CryoCore.demo [--seconds S] [--no-tools]

It uses whatever database the settings name: on a fresh machine that is the
embedded SQLite database ``~/.cryocore/cryocore.db``.
"""
from __future__ import absolute_import, division, print_function

import argparse
import random
import subprocess
import sys
import time

TOOLS = [
    ("ConfigTool", ["list", "Instruments.Camera"]),
    ("TailStatus", ["-n", "8", "--channel", "Camera"]),
    ("TailLog", ["-n", "8", "--logger", "Camera"]),
]


def run_instrument(seconds=2.0):
    """A camera module as the documentation writes one: config, status, log."""
    from CryoCore import API
    cfg = API.get_config("Instruments.Camera")
    cfg.set_default("enabled", True)
    cfg.set_default("fps", 20)
    cfg.set_default("shutter_speed", 0.002)
    cfg.set_default("name", "demo-cam")
    log = API.get_log("Camera")
    status = API.get_status("Camera")
    try:
        log.info("Camera %s starting, %s fps", cfg["name"], cfg["fps"])
        status["state"] = "initializing"
        status["frames"] = 0
        status["state"] = "capturing"
        end = time.time() + seconds
        while time.time() < end and not API.api_stop_event.is_set():
            if cfg["enabled"]:
                status["frames"].inc()
                status["temperature"] = round(35 + random.random(), 1)
            time.sleep(1.0 / max(1, cfg["fps"]))
        log.warning("Demo run over after %d frames", status["frames"].get_value())
        status["state"] = "idle"
        log.info("Camera stopped")
    finally:
        API.shutdown()


def show_with_tools():
    """Run each tool as a user would, printing what it shows."""
    for tool, args in TOOLS:
        print("\n$ %s.py %s" % (tool, " ".join(args)))
        sys.stdout.flush()
        subprocess.call([sys.executable, "-m", "CryoCore.Tools." + tool] + args)


def main(argv=None):
    p = argparse.ArgumentParser(description="CryoCore demo instrument")
    p.add_argument("--seconds", type=float, default=2.0)
    p.add_argument("--no-tools", action="store_true", help="only run the instrument")
    args = p.parse_args(argv)
    print("Demo camera running for %.1f s ..." % args.seconds)
    run_instrument(args.seconds)
    if not args.no_tools:
        show_with_tools()
    return 0


if __name__ == "__main__":
    sys.exit(main())
