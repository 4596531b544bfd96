#!/usr/bin/python3
"""lab_live.py URL SCREENSHOT - the live lab's page in headless Debian
Chromium (python3-selenium, chromium-driver): it loads with no console
error, shows three hosts and their socket tables, Step advances one packet
and lights one row, an exercise answer is scored, a scenario (the SYN
flood) runs to its end, and the sandbox's socket appears in a table.
Saves a screenshot.  Only loopback is touched."""
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

url, shot = sys.argv[1], sys.argv[2]


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def wait_for(what, pred, seconds=20):
    end = time.time() + seconds
    while time.time() < end:
        try:
            if pred():
                return
        except Exception:  # the page may be redrawing
            pass
        time.sleep(0.1)
    fail("timed out waiting for " + what)


o = Options()
o.binary_location = "/usr/bin/chromium"
for a in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1366,900",
          "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--disable-quic"]:
    o.add_argument(a)
o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
try:
    d.set_page_load_timeout(30)
    q = lambda sel: d.find_elements(By.CSS_SELECTOR, sel)
    txt = lambda i: d.find_element(By.ID, i).text

    def run(title):
        for b in q("#scenarios button"):
            if b.text == title:
                b.click()
                break
        else:
            fail("no scenario button " + title)
        # The page resets when the new run's first event arrives.
        wait_for(title + " to start", lambda: txt("title") == title and
                 txt("pos").startswith("packet 0 / "))

    d.get(url)
    wait_for("the stream", lambda: txt("conn") == "live")
    wait_for("the scenario list", lambda: len(q("#scenarios button")) >= 12)
    hosts = q("#hosts .host h2")
    if [h.text.split()[0] for h in hosts] != ["server", "client1", "client2"]:
        fail("hosts: %r" % [h.text for h in hosts])
    if "10.0.0.1" not in hosts[0].text:
        fail("the server's lane has no address")

    # 1. UDP: step one packet at a time; the first arrival lights one row.
    run("1. UDP: demultiplexing by destination")
    wait_for("the run to end", lambda: "running" not in txt("pos"), 30)
    rows = q("#host-server table.socks tr")
    if not any("LISTEN" in r.text and "0.0.0.0:80" in r.text for r in rows):
        fail("the server's table lacks LISTEN 0.0.0.0:80")
    d.find_element(By.ID, "step").click()
    if not txt("pos").startswith("packet 1 /"):
        fail("Step did not move to packet 1: " + txt("pos"))
    if len(q("#diagram g.arrow")) != 1:
        fail("one arrow expected after one step, got %d" % len(q("#diagram g.arrow")))
    lit = q("tr[data-match]")
    if len(lit) != 1 or "0.0.0.0:7" not in lit[0].text or "UNCONN" not in lit[0].text:
        fail("one row (UNCONN 0.0.0.0:7) should light up: %r" % [r.text for r in lit])
    if "bound UDP socket (wildcard)" not in txt("decision"):
        fail("the decision does not name its rule: " + txt("decision"))
    d.find_element(By.ID, "step").click()
    if not txt("pos").startswith("packet 2 /") or len(q("#diagram g.arrow")) != 2:
        fail("the second step")
    d.find_element(By.ID, "back").click()
    if not txt("pos").startswith("packet 1 /"):
        fail("Back did not return to packet 1")

    # 2. An exercise: before the packet arrives, pick the row; scored.
    d.find_element(By.ID, "replay").click()
    d.find_element(By.ID, "quiz").click()
    d.find_element(By.ID, "step").click()
    wait_for("the exercise", lambda: d.find_element(By.ID, "exercise").is_displayed())
    if q("tr[data-match]"):
        fail("the answer is shown before the learner picks")
    choices = q("#exercise button.choice")
    right = [b for b in choices if "UNCONN 0.0.0.0:7 " in b.text]
    if len(right) != 1 or not any(b.text.startswith("none:") for b in choices):
        fail("choices: %r" % [b.text for b in choices])
    right[0].click()
    wait_for("the verdict", lambda: "Right" in txt("verdict"))
    if txt("score") != "score: 1/1":
        fail("score: " + txt("score"))
    d.find_element(By.ID, "quiz").click()

    # 3. A scenario to its end: the SYN flood, with forged sources.
    run("A SYN flood and SYN cookies")
    wait_for("the flood to end", lambda: "running" not in txt("pos"), 40)
    d.find_element(By.ID, "toend").click()
    notes = txt("notes")
    if "rebuilt the connection from it" not in notes or "read client1" not in notes:
        fail("the SYN flood's narration: " + notes)
    if "forged" not in d.find_element(By.ID, "diagram").text:
        fail("no lane for the forged sources")

    # 4. The sandbox: a UDP socket bound on client2 shows in its table.
    run("Sandbox")
    wait_for("the sandbox", lambda: "running" not in txt("pos"), 20)
    d.find_element(By.ID, "sb-host").send_keys("client2")
    d.find_element(By.ID, "sb-proto").send_keys("udp")
    d.find_element(By.ID, "sb-socket").click()
    wait_for("the socket", lambda: "socket(udp)" in txt("sb-log"))
    port = d.find_element(By.ID, "sb-port")
    port.clear()
    port.send_keys("4242")
    d.find_element(By.ID, "sb-bind").click()
    wait_for("the bound row", lambda: any("0.0.0.0:4242" in r.text for r in q("#host-client2 tr")), 10)

    d.save_screenshot(shot)
    errors = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    if errors:
        fail("console errors: %r" % errors)
    print("ok: the live lab in Chromium: hosts and tables, step/back, an exercise scored, the SYN flood to "
          "its end, the sandbox; screenshot " + shot)
finally:
    d.quit()
