"""A small W3C WebDriver client for Debian's chromedriver: what the browser tests need, nothing else.

Selenium would do the same, but its dependency trio is imported by httpcore whenever it is installed, which
adds trio's import (about 1 s measured on a loaded 2-core machine) to every ``import airflow.sdk`` of the
project's venv: every DAG parse and task start. The W3C
WebDriver protocol is plain JSON over HTTP (https://www.w3.org/TR/webdriver2/), so the tests speak it to
``chromedriver`` directly.
"""

from __future__ import annotations

import base64
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Callable

import requests

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C element reference key


class WebDriverError(RuntimeError):
    pass


class Element:
    def __init__(self, driver: "Chrome", ref: str):
        self.driver, self.ref = driver, ref

    def _call(self, method: str, path: str = "", body: dict | None = None) -> Any:
        return self.driver.call(method, f"/element/{self.ref}{path}", body)

    def click(self) -> None:
        self._call("POST", "/click", {})

    def send_keys(self, text: str) -> None:
        self._call("POST", "/value", {"text": text})

    @property
    def text(self) -> str:
        return self._call("GET", "/text")

    def get_attribute(self, name: str) -> str | None:
        return self.driver.execute("return arguments[0].getAttribute(arguments[1]);", self, name)

    def get_property(self, name: str) -> Any:
        return self._call("GET", f"/property/{name}")

    def is_displayed(self) -> bool:
        return bool(self.driver.execute(
            "const e = arguments[0]; const s = getComputedStyle(e);"
            "return !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length)"
            " && s.visibility !== 'hidden' && s.display !== 'none';", self))

    def find(self, css: str) -> "Element":
        return self.driver._element(self._call("POST", "/element", {"using": "css selector", "value": css}))

    def find_all(self, css: str) -> list["Element"]:
        return [self.driver._element(e) for e in
                self._call("POST", "/elements", {"using": "css selector", "value": css})]


class Chrome:
    """A headless chromium session through chromedriver, on a free loopback port."""

    def __init__(self, chromium: str, chromedriver: str, *, size: tuple[int, int] = (1400, 1000)):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.process = subprocess.Popen([chromedriver, f"--port={port}"], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{port}"
        self.http = requests.Session()
        self.http.trust_env = False  # loopback: never through a proxy
        deadline = time.monotonic() + 20
        while True:
            try:
                if self.http.get(f"{self.url}/status", timeout=2).json()["value"].get("ready"):
                    break
            except (requests.RequestException, ValueError):
                pass
            if time.monotonic() > deadline:
                self.process.kill()
                raise WebDriverError("chromedriver did not become ready in 20 s")
            time.sleep(0.1)
        args = ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={size[0]},{size[1]}"]
        answer = self.http.post(f"{self.url}/session", json={"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": {"binary": chromium, "args": args}}}}, timeout=60).json()
        if "sessionId" not in answer.get("value", {}):
            self.process.kill()
            raise WebDriverError(f"no browser session: {answer}")
        self.session = answer["value"]["sessionId"]

    # -- protocol ----------------------------------------------------------------------------------------------
    def call(self, method: str, path: str, body: dict | None = None) -> Any:
        response = self.http.request(method, f"{self.url}/session/{self.session}{path}", json=body, timeout=60)
        value = response.json().get("value")
        if response.status_code >= 400:
            error = value.get("error") if isinstance(value, dict) else value
            message = value.get("message", "")[:500] if isinstance(value, dict) else ""
            raise WebDriverError(f"{method} {path}: {error}: {message}")
        return value

    def _element(self, value: dict) -> Element:
        return Element(self, value[ELEMENT])

    # -- what the tests use --------------------------------------------------------------------------------------
    def get(self, url: str) -> None:
        self.call("POST", "/url", {"url": url})

    @property
    def current_url(self) -> str:
        return self.call("GET", "/url")

    def back(self) -> None:
        self.call("POST", "/back", {})

    def execute(self, script: str, *args: Any) -> Any:
        wire = [{ELEMENT: a.ref} if isinstance(a, Element) else a for a in args]
        return self.call("POST", "/execute/sync", {"script": script, "args": wire})

    def find_all(self, css: str) -> list[Element]:
        return [self._element(e) for e in self.call("POST", "/elements", {"using": "css selector", "value": css})]

    def find_all_xpath(self, xpath: str) -> list[Element]:
        return [self._element(e) for e in self.call("POST", "/elements", {"using": "xpath", "value": xpath})]

    def switch_to_frame(self, frame: Element | None) -> None:
        self.call("POST", "/frame", {"id": {ELEMENT: frame.ref} if frame is not None else None})

    def body_text(self) -> str:
        found = self.find_all("body")
        return found[0].text if found else ""

    def wait(self, condition: Callable[["Chrome"], Any], *, timeout: float = 30, what: str = "") -> Any:
        """Poll ``condition`` until it returns something truthy; its value is returned."""
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            try:
                value = condition(self)
                if value:
                    return value
            except WebDriverError as error:  # e.g. an element replaced while the page re-renders
                last_error = error
            time.sleep(0.2)
        raise TimeoutError(f"waited {timeout} s for {what or condition}; at {self.current_url}"
                           + (f"; last error: {last_error}" if last_error else ""))

    def wait_for(self, css: str, *, timeout: float = 30, visible: bool = False) -> Element:
        def found(driver):
            elements = [e for e in driver.find_all(css) if not visible or e.is_displayed()]
            return elements[0] if elements else None

        return self.wait(found, timeout=timeout, what=css)

    def screenshot(self, path: Path) -> None:
        path.write_bytes(base64.b64decode(self.call("GET", "/screenshot")))

    def quit(self) -> None:
        try:
            self.call("DELETE", "")
        except (WebDriverError, requests.RequestException):
            pass
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
