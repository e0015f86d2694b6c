import pytest
from conftest import PASSWORD

@pytest.mark.django_db(transaction=True)
def test_explore(page, live_server, agent):
    msgs = []
    page.on("console", lambda m: msgs.append(("console", m.type, m.text)))
    page.on("pageerror", lambda e: msgs.append(("pageerror", str(e))))
    page.goto(live_server.url + "/connexion/")
    page.get_by_label("Identifiant").fill(agent.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("checkbox", name="Je ne suis pas un robot").click()
    page.wait_for_timeout(1500)
    print(page.locator("altcha-widget").evaluate("e => e.outerHTML"))
    page.screenshot(path="/tmp/explore/login2.png", full_page=True)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    print(page.url, page.title())
    page.screenshot(path="/tmp/explore/home.png", full_page=True)
    print(msgs)
