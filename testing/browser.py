"""Browser tests: Debian's Chromium driven through Playwright against live_server.

The launch fixtures (headless Chromium, French locale and time zone), a session handed to the
browser, the ALTCHA widget ticked and the login form filled as a person does, axe-core, sideways
scrolling at phone width, and the watch on the console (Content-Security-Policy violations, errors).
"""

import os
import re
import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from testing.personas import PASSWORD

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright + live_server share a thread

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 375, "height": 740}
CSP_MESSAGE = re.compile(r"Content Security Policy|Refused to", re.IGNORECASE)
NO_PROBLEMS = {"csp": [], "console_errors": [], "page_errors": []}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": shutil.which("chromium"), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR", "timezone_id": "Europe/Paris"}


def url(live_server, name, *args):
    return live_server.url + reverse(name, args=args)


def watch(page):
    """What goes wrong in the page from now on: CSP violations (Chromium reports them on the
    console), other console errors and page errors. Compare with ``NO_PROBLEMS``."""
    problems = {"csp": [], "console_errors": [], "page_errors": []}

    def on_console(message):
        if CSP_MESSAGE.search(message.text):
            problems["csp"].append(f"console.{message.type}: {message.text}")
        elif message.type == "error":
            problems["console_errors"].append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems["page_errors"].append(str(error)))
    return problems


@pytest.fixture
def browser_problems(page):
    """The problems of the test's ``page`` (see ``watch``)."""
    return watch(page)


def sign_in_with_cookie(page, live_server, client, user):
    """A session opened by the test client, handed to the browser (no captcha to solve)."""
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def solve_captcha_widget(page):
    """Tick « Je ne suis pas un robot » and wait until the widget has solved its proof of work."""
    widget = page.locator("altcha-widget")
    page.get_by_role("checkbox", name="Je ne suis pas un robot").click()
    expect(widget.locator(".altcha")).to_have_attribute("data-state", "verified")
    expect(widget).to_contain_text("Vérifié")
    expect(widget.locator("input[type=hidden][name=captcha]")).to_have_value(re.compile(r"^[A-Za-z0-9+/=]{20,}$"))


def fill_login_form(page, email, password):
    page.get_by_label("Identifiant").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    solve_captcha_widget(page)
    page.get_by_role("button", name="Se connecter").click()


def log_in(page, live_server, email, password=PASSWORD):
    page.goto(url(live_server, "accounts:login"))
    fill_login_form(page, email, password)
    expect(page).to_have_url(url(live_server, "portal:home"))


def assert_accessible(page):
    """No axe-core violation of impact « serious » or « critical »."""
    violations = Axe().run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not blocking, f"axe-core on {page.url} ({page.viewport_size['width']}px):\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} — {[node['target'] for node in v['nodes']]}" for v in blocking
    )


def assert_no_horizontal_overflow(page):
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways at {widths[1]}px: content is {widths[0]}px wide"


def check_page(page):
    """axe-core finds nothing serious on desktop and at phone width, which does not scroll sideways."""
    assert_accessible(page)
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    assert_no_horizontal_overflow(page)
    assert_accessible(page)
    page.set_viewport_size(size)
