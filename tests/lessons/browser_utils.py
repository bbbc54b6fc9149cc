"""Helpers for the real-browser test: a throw-away JupyterLab server and a headless Chromium page.

* ``find_chromium()`` locates a system Chromium (Playwright's own browser download is not used);
* ``jupyter_lab(root)`` starts JupyterLab from this Python environment on a free localhost port,
  with a random token and its own config/data/runtime/IPython dirs, and stops it afterwards;
* ``LabPage`` drives one notebook: open it, wait for its kernel, run every cell, find a widget,
  move a slider with the keyboard and read what the widget shows.

Every wait is for a condition (a DOM state, a kernel status), never a fixed sleep.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
INSTALL_HINT = ("install a Chromium (Debian/Ubuntu: `sudo apt-get install chromium`; or set XE_CHROMIUM to a "
                "Chromium/Chrome executable) and the `playwright` Python package "
                "(`pip install -e '.[test]'`)")


def find_chromium() -> str | None:
    """A Chromium/Chrome executable: $XE_CHROMIUM, /usr/bin/chromium, or one on PATH."""
    env = os.environ.get("XE_CHROMIUM")
    if env:
        return env if os.access(env, os.X_OK) else None
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    for name in CHROMIUM_CANDIDATES:
        if found := shutil.which(name):
            return found
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lab:
    url: str
    token: str
    root: Path
    log: Path

    def api(self, path: str, method: str = "GET"):
        req = urllib.request.Request(f"{self.url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def notebook_url(self, name: str) -> str:
        # reset: no workspace restored from an earlier run; token: logs the browser in.
        return f"{self.url}/lab/tree/{name}?reset&token={self.token}"

    def shutdown_kernels(self) -> None:
        for session in self.api("/api/sessions"):
            with contextlib.suppress(urllib.error.URLError):
                self.api(f"/api/sessions/{session['id']}", method="DELETE")


@contextlib.contextmanager
def jupyter_lab(root: Path, home: Path, app_settings: Path, timeout: float = 90.0):
    """JupyterLab serving ``root`` on 127.0.0.1 with the settings overrides in ``app_settings`` (the
    folder `make lab` passes); everything it writes (config, runtime, data, workspaces, IPython
    profile, its log) stays under ``home``."""
    port, token = free_port(), secrets.token_hex(16)
    dirs = {name: home / name for name in ("config", "data", "runtime", "ipython", "workspaces", "settings")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    # Every cell in the DOM (no virtual scrolling), so a widget far down the notebook can be found.
    tracker = dirs["settings"] / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True, exist_ok=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(dirs["config"]), JUPYTER_DATA_DIR=str(dirs["data"]),
               JUPYTER_RUNTIME_DIR=str(dirs["runtime"]), IPYTHONDIR=str(dirs["ipython"]),
               JUPYTER_PLATFORM_DIRS="1", PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           "--ServerApp.open_browser=False",
           f"--ServerApp.root_dir={root}", f"--LabApp.workspaces_dir={dirs['workspaces']}",
           f"--LabApp.user_settings_dir={dirs['settings']}",
           # The settings `make lab` uses (no news pop-up, no update check): the test checks they work.
           f"--LabApp.app_settings_dir={app_settings}",
           "--LabApp.expose_app_in_browser=True",
           "--MappingKernelManager.cull_idle_timeout=0", "--ServerApp.terminals_enabled=False"]
    if os.name == "posix" and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = home / "jupyterlab.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root)
    lab = Lab(f"http://127.0.0.1:{port}", token, root, log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                lab.api("/api/status")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError) as err:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"JupyterLab did not answer in {timeout:.0f} s:\n"
                                       f"{log.read_text()[-3000:]}") from err
                time.sleep(0.2)  # polling a server that is starting: there is no event to wait for
        yield lab
    finally:
        with contextlib.suppress(Exception):
            lab.shutdown_kernels()
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- one notebook in the browser -----------------------------------------------------------------

_KERNEL_READY = """() => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return false;
  const w = app.shell.currentWidget;
  if (!w || !w.sessionContext || !w.content || !w.content.widgets) return false;
  const s = w.sessionContext;
  return s.isReady && !!s.session && !!s.session.kernel && s.session.kernel.connectionStatus === 'connected'
         && s.session.kernel.status === 'idle';
}"""

_ALL_CELLS_DONE = """(n) => {
  const w = window.jupyterapp.shell.currentWidget;
  const cells = w.content.widgets.filter(c => c.model.type === 'code');
  const kernel = w.sessionContext.session.kernel;
  return cells.length > 0 && kernel.status === 'idle' &&
         cells.every(c => c.model.executionCount !== null && c.promptNode.textContent.indexOf('*') < 0);
}"""

_ERRORS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const errors = [];
  for (const c of w.content.widgets) {
    if (c.model.type !== 'code') continue;
    for (let i = 0; i < c.model.outputs.length; i++) {
      const o = c.model.outputs.get(i).toJSON();
      if (o.output_type === 'error') errors.push(o.ename + ': ' + o.evalue);
    }
  }
  return errors;
}"""


class LabPage:
    """A Playwright page showing one notebook in JupyterLab."""

    def __init__(self, page, lab: Lab):
        self.page, self.lab = page, lab

    def open(self, name: str, timeout_ms: int = 90_000) -> LabPage:
        self.page.goto(self.lab.notebook_url(name))
        self.page.wait_for_function(_KERNEL_READY, timeout=timeout_ms, polling=200)
        return self

    def run_all(self, timeout_ms: int = 240_000) -> None:
        self.page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        self.page.wait_for_function(_ALL_CELLS_DONE, timeout=timeout_ms, polling=250)
        errors = self.page.evaluate(_ERRORS)
        assert not errors, f"cells raised errors in the browser: {errors}"

    def widget(self, title: str):
        """The App's widget box (a VBox whose first child is its bold title)."""
        # a regex, not a CSS text selector, so titles may hold quotes ("Xception's size")
        bold = self.page.locator("b").filter(has_text=re.compile("^" + re.escape(title) + "$"))
        box = self.page.locator(".jp-OutputArea-output .widget-vbox", has=bold)
        box.first.wait_for(state="visible", timeout=60_000)
        return box.first

    @staticmethod
    def view(widget):
        """The rendered view inside the App's Output widget."""
        return widget.locator(".widget-output .jp-OutputArea-output").first

    def slider(self, widget, description: str):
        """The handle of the slider whose label is ``description`` (focusable; noUiSlider role=slider)."""
        row = widget.locator(".widget-slider", has=self.page.locator(f"label:text-is('{description}')"))
        handle = row.first.locator(".noUi-handle").first
        handle.wait_for(state="visible", timeout=30_000)
        return row.first, handle

    def move(self, widget, description: str, *keys: str) -> None:
        """Focus the slider handle and press keys, as a learner with a keyboard would."""
        _, handle = self.slider(widget, description)
        handle.focus()
        for key in keys:
            handle.press(key)

    def readout(self, widget, description: str) -> str:
        row, _ = self.slider(widget, description)
        return row.locator(".widget-readout").first.inner_text().strip()

    def text_of_html(self, html: str) -> str:
        """The text a browser shows for ``html`` (entities decoded, tags dropped), whitespace-normalised."""
        return self.page.evaluate(
            "(h) => { const d = document.createElement('div'); d.innerHTML = h;"
            " return d.textContent.replace(/\\s+/g, ' ').trim(); }", html)

    def wait_for_view_text(self, widget, expected: str, timeout_ms: int = 30_000) -> None:
        """Wait until the widget's view shows exactly ``expected`` (whitespace-normalised)."""
        view = self.view(widget)
        handle = view.element_handle(timeout=timeout_ms)
        try:
            self.page.wait_for_function(
                "([el, want]) => el.isConnected && el.textContent.replace(/\\s+/g, ' ').trim() === want",
                arg=[handle, expected], timeout=timeout_ms, polling=100)
        except Exception as e:
            shown = self.view(widget).text_content() or ""
            raise AssertionError(f"the widget shows\n  {' '.join(shown.split())!r}\n"
                                 f"but the package says\n  {expected!r}") from e

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.lab.shutdown_kernels()
        self.page.close()
