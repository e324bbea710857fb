"""The trading UI in a real browser (Debian's Chromium driven by Playwright) against `castle up`."""

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from castle_local.demo import DEMO_PASSWORD, DemoMarket, DemoUser
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def seeded(local_stack: RunningStack) -> RunningStack:
    answer = httpx.post(f"{local_stack.url}/_castle/seed", timeout=60)
    assert answer.status_code == 200, answer.text
    return local_stack


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    sync_api.expect.set_options(timeout=TIMEOUT_MS)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-dev-shm-usage",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any, seeded: RunningStack, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            screenshot(page, f"failed-{request.node.name}.png")
            (ARTIFACTS / f"failed-{request.node.name}.log").write_text(seeded.log()[-20000:])
        context.close()


def log_in(page: Any, url: str, email: str = "trader@castle.local") -> None:
    page.goto(url)
    page.get_by_test_id("auth-email").fill(email)
    page.get_by_test_id("auth-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("login").click()
    page.get_by_test_id("free-USDT").wait_for()


def place_limit(page: Any, side: str, price: str, quantity: str) -> None:
    page.get_by_test_id(f"side-{side.lower()}").click()
    page.get_by_test_id("order-type").select_option("LIMIT")
    page.get_by_test_id("order-price").fill(price)
    page.get_by_test_id("order-qty").fill(quantity)
    page.get_by_test_id("order-submit").click()


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def engine_running(stack: RunningStack) -> bool:
    return any(host["alive"] for host in stack.status()["engine_hosts"])


def test_a_trader_logs_in_and_sees_balances_the_book_and_the_chart(page: Any, seeded: RunningStack) -> None:
    from playwright.sync_api import expect

    log_in(page, seeded.url)
    expect(page.get_by_test_id("free-USDT")).to_have_text("100000.00000000")
    expect(page.get_by_test_id("free-BTC")).to_have_text("1.00000000")
    expect(page.get_by_test_id("bids")).to_be_attached()
    expect(page.get_by_test_id("chart")).to_be_visible()
    screenshot(page, "e2e-logged-in.png")


def test_the_order_form_refuses_a_price_off_the_tick_before_sending(page: Any, seeded: RunningStack) -> None:
    from playwright.sync_api import expect

    log_in(page, seeded.url)
    place_limit(page, "BUY", "50000.001", "0.001")
    expect(page.get_by_test_id("order-error")).to_contain_text("multiple of 0.01")
    expect(page.get_by_test_id("order-result")).to_have_text("")


def test_a_limit_order_placed_in_the_browser_appears_in_open_orders(page: Any, seeded: RunningStack) -> None:
    from playwright.sync_api import expect

    log_in(page, seeded.url)
    place_limit(page, "BUY", "50000", "0.001")
    expect(page.get_by_test_id("order-result")).to_contain_text("Order")
    expect(page.get_by_test_id("open-orders")).to_contain_text("50000.00")
    expect(page.get_by_test_id("locked-USDT")).not_to_have_text("0.00000000")


def test_a_trader_places_cancels_and_trades_through_the_book(page: Any, seeded: RunningStack) -> None:
    from playwright.sync_api import expect

    if not engine_running(seeded):
        pytest.skip("the engine host is not running yet (engine_host/__main__.py), so nothing matches")
    maker = DemoMarket(seeded.url)
    seller = DemoUser("maker", "maker@castle.local")
    maker._log_in(seller)
    maker._api_key(seller)
    ask = maker.signed(
        seller,
        "POST",
        "/api/v3/order",
        {
            "symbol": "BTCUSDT",
            "side": "SELL",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "price": "70000",
            "quantity": "0.002",
        },
    )
    assert ask.status_code == 200, ask.text

    log_in(page, seeded.url)
    expect(page.get_by_test_id("asks")).to_contain_text("70000.00")

    place_limit(page, "BUY", "61000", "0.001")
    expect(page.get_by_test_id("open-orders")).to_contain_text("61000.00")
    expect(page.get_by_test_id("bids")).to_contain_text("61000.00")
    page.get_by_test_id("open-orders").locator("tr", has_text="61000.00").get_by_role("button").click()
    expect(page.get_by_test_id("open-orders")).not_to_contain_text("61000.00")
    expect(page.get_by_test_id("bids")).not_to_contain_text("61000.00")

    place_limit(page, "BUY", "70000", "0.001")
    expect(page.get_by_test_id("trades")).to_contain_text("70000.00")
    expect(page.get_by_test_id("free-BTC")).to_have_text("1.00100000")
    screenshot(page, "e2e-trade.png")


def test_a_user_enables_2fa_and_withdraws_to_a_new_address_in_the_browser(
    page: Any, seeded: RunningStack
) -> None:
    import time
    import uuid
    from decimal import Decimal

    import jwt
    from playwright.sync_api import expect

    from castle.wallets import totp
    from tests.e2e.traders import deposit

    email = f"browser-withdraw-{uuid.uuid4().hex[:10]}@castle.local"
    signup = httpx.post(
        f"{seeded.url}/v1/auth/signup", json={"username": email, "password": DEMO_PASSWORD}, timeout=30
    )
    assert signup.status_code == 200, signup.text
    user_id = str(jwt.decode(signup.json()["idToken"], options={"verify_signature": False})["sub"])
    deposit(seeded, user_id, {"BTC": Decimal(1)})

    log_in(page, seeded.url, email)
    page.get_by_test_id("tab-funds").click()
    page.get_by_test_id("enrol-2fa").click()
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.get_by_test_id("withdraw-coin").select_option("BTC")
    page.get_by_test_id("withdraw-address").fill("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")
    page.get_by_test_id("withdraw-amount").fill("0.1")
    page.get_by_test_id("withdraw-totp").fill(totp.totp(secret, int(time.time())))
    page.get_by_test_id("withdraw-submit").click()

    expect(page.get_by_test_id("withdraw-result")).to_contain_text("COMPLETED")
    expect(page.get_by_test_id("free-BTC")).to_have_text("0.89980000")
    screenshot(page, "e2e-withdrawal.png")
