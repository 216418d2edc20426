"""Helpers of the web dashboard tests: a WebServer.py subprocess and a headless Chromium."""
from __future__ import absolute_import, division, print_function

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

from _mariadb import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, "CryoCore", "Tools", "WebServer.py")
SCREENSHOTS = os.path.join(ROOT, "test-artifacts", "screenshots")
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
from conftest import IN_CI  # noqa: E402 (one CI test for the whole suite)


def get(url, timeout=5, ca=None):
    """(status, parsed JSON or text) of a GET with the standard library (`ca`: the CA file
    an https server's certificate must be signed by)."""
    import ssl
    from urllib.request import urlopen
    from urllib.error import HTTPError
    context = ssl.create_default_context(cafile=ca) if ca else None
    try:
        r = urlopen(url, timeout=timeout, context=context)
        status, body, ctype = r.status, r.read(), r.headers.get("content-type", "")
    except HTTPError as e:
        status, body, ctype = e.code, e.read(), e.headers.get("content-type", "")
    text = body.decode("utf-8")
    return status, json.loads(text) if "json" in ctype else text


class Server(object):
    """WebServer.py as a subprocess on a free port; `url` is its address."""

    def __init__(self, backend, *args, **kwargs):
        self.port = free_port()
        self.ca = kwargs.get("ca")
        self.url = "%s://127.0.0.1:%d" % ("https" if self.ca else "http", self.port)
        env = backend.env() if backend is not None else dict(os.environ)
        env.update(kwargs.get("env") or {})
        self.proc = subprocess.Popen([sys.executable, TOOL, "--port", str(self.port)] + list(args),
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.time() + 20
        while True:
            try:
                get(self.url + "/api/session", 1, self.ca)
                break
            except (IOError, OSError):
                if self.proc.poll() is not None or time.time() > deadline:
                    self.stop()
                    raise AssertionError("WebServer.py did not start: %s"
                                         % self.proc.stderr.read().decode("utf-8", "replace"))
                time.sleep(0.1)

    def stop(self):
        """Stop it (SIGTERM, as a service manager would); its stderr text."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr = self.proc.stderr.read().decode("utf-8", "replace")
        for f in (self.proc.stdout, self.proc.stderr):
            f.close()
        return self.stderr


def have_browser():
    """Skip without Chromium/chromedriver/selenium locally; in CI they must be there."""
    why = None
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        why = ("needs Debian's chromium and chromium-driver "
               "(apt-get install chromium chromium-driver)")
    else:
        try:
            import selenium  # noqa: F401
        except ImportError:
            why = "needs selenium (pip install selenium)"
    if why:
        if IN_CI:
            pytest.fail(why)
        pytest.skip(why)


class Browser(object):
    """A headless Chromium (fresh profile) driven by Selenium."""

    def __init__(self, width=1400, height=900):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        self.profile = tempfile.mkdtemp(prefix="cc-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                    "--user-data-dir=" + self.profile, "--window-size=%d,%d" % (width, height)):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(30)

    def wait(self, predicate, timeout=10, message="condition"):
        """Poll `predicate(driver)` until truthy; its value, or AssertionError."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                last = predicate(self.driver)
            except Exception as e:  # the page may be mid-update: look again
                last = e
            if last and not isinstance(last, Exception):
                return last
            time.sleep(0.05)
        raise AssertionError("timed out waiting for %s (last: %r)" % (message, last))

    def screenshot(self, name):
        if not os.path.isdir(SCREENSHOTS):
            os.makedirs(SCREENSHOTS)
        path = os.path.join(SCREENSHOTS, name + ".png")
        self.driver.save_screenshot(path)
        return path

    def resources(self):
        """URLs of every request the page made (resource timing entries)."""
        return self.driver.execute_script(
            "return [location.href].concat(performance.getEntriesByType('resource')"
            ".map(function (e) { return e.name; }));")

    def console_errors(self):
        return [e for e in self.driver.get_log("browser") if e.get("level") == "SEVERE"]

    def quit(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)
