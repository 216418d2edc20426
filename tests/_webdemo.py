"""Plausible instrument data for the dashboard's screenshots and benchmarks."""
from __future__ import absolute_import, division, print_function

import math
import random
import time


def fill(API, hours=1.0, now=None):
    """Status values (with an hour of 1 Hz history for Motor.temperature), a grid, log rows
    and a little config, written through the API."""
    now = now or time.time()
    rnd = random.Random(7)
    motor = API.get_status("Motor")
    temp = motor.new("temperature", expire_time=5)
    start = now - hours * 3600
    for i in range(int(hours * 3600)):
        t = start + i
        value = 41 + 3 * math.sin(i / 600.0) + rnd.gauss(0, 0.4)
        temp.set_value(round(value, 2), timestamp=t)
    for name, value in (("speed", 1480), ("current", 2.31), ("state", "running")):
        motor.new(name, expire_time=3600).set_value(value, timestamp=now - 1)
    gps = API.get_status("GPS")
    for name, value in (("lat", 69.6496), ("lon", 18.956), ("alt", 12.4), ("fix", "3D"),
                        ("satellites", 11), ("hdop", 0.9)):
        gps.new(name, expire_time=3600).set_value(value, timestamp=now - 2)
    cam = API.get_status("Camera.Left")
    cam.new("fps", expire_time=2).set_value(29.97, timestamp=now - 60)  # stale
    cam.new("exposure_ms", expire_time=3600).set_value(8.0, timestamp=now - 30)
    cam.new("state", expire_time=3600).set_value("recording", timestamp=now - 30)
    cam.new("last_file", expire_time=3600).set_value(
        "/data/2026-11-29/cam-left-000123.mkv", timestamp=now - 30)
    grid = API.get_status("Detector").new2d("occupancy", (4, 6), 0)
    for x in range(4):
        for y in range(6):
            grid.set_value((x, y), (x * 40 + y * 25) % 256)
    API.get_status("Detector")["mode"] = "science"
    log = API.get_log("Motor.Controller")
    log.info("motor started at %d rpm", 1480)
    log.warning("temperature %.1f C above 44 C", 44.3)
    try:
        raise IOError("serial port /dev/ttyUSB0 timed out after 2.0 s")
    except IOError:
        log.exception("lost contact with the motor controller <id=3>")
    API.get_log("Camera.Left").info("recording to /data/2026-11-29/cam-left-000123.mkv")
    API.get_log("GPS").debug("fix 3D, 11 satellites")
    cfg = API.get_config("Instrument")
    cfg.set_default("Motor.max_rpm", 1800)
    cfg.set_default("Motor.port", "/dev/ttyUSB0")
    cfg.set_default("Camera.Left.fps", 30)
    cfg.set_default("Camera.Left.exposure_auto", True)
    cfg.set_default("Camera.Left.gain", 1.5)
    cfg.set_default("GPS.device", "/dev/ttyACM0")
