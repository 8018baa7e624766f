"""Per-client limits behind a proxy (issue 13, item 1): through real waitress, on real sockets.

`serve` as a subprocess for the 1,000-resident burst; elsewhere the same waitress with the same
options (`waitress_options`) in a thread, which starts in a fraction of a second.
"""
from __future__ import annotations

import json
import sqlite3
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlparse

import requests
from waitress.server import create_server

from pondok_sheets import create_app
from pondok_sheets.cli.doctor import WARN, examine
from pondok_sheets.config import Settings
from pondok_sheets.state.limits_store import SqliteStorage, storage_uri
from pondok_sheets.web.proxies import SAMPLE_KEY, waitress_options
from .fakes.server import waitress_thread

from .conftest import BASE, VALID
from .staff import LocalStaff
from .test_serve import ROOT, free_port, wait_until

FORM = "/ajukan/SKD"


def local_settings(tmp_path, hops: int) -> Settings:
    # no https public address: the session cookie (the CSRF token) must travel over plain http here
    return Settings(**{**BASE, "data_dir": tmp_path / "data", "proxy_hops": hops, "public_url": ""})


@contextmanager
def serving(settings: Settings):
    """What `serve` runs, minus the scheduler: the app under waitress with serve's proxy options."""
    app = create_app(settings)
    server = create_server(app, host="127.0.0.1", port=0, threads=8, **waitress_options(settings))
    with waitress_thread(server) as origin:
        yield origin, app.extensions["pondok"]


class Browser:
    """One resident's phone: its own cookie, seen by the server through `forwarded` (or directly)."""

    def __init__(self, base: str, forwarded: str = ""):
        self.base, self.session = base, requests.Session()
        if forwarded:
            self.session.headers["X-Forwarded-For"] = forwarded

    def open_form(self) -> dict[str, str]:
        page = self.session.get(self.base + FORM, timeout=30).text
        return {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
                "kiriman": re.search(r'name="kiriman" value="([0-9a-f]{32})"', page).group(1)}

    def send(self, hidden: dict[str, str], **fields: str) -> int:
        response = self.session.post(self.base + FORM, data={**VALID, **fields, **hidden}, timeout=30,
                                     allow_redirects=False)
        return response.status_code

    def apply(self, **fields: str) -> int:
        return self.send(self.open_form(), **fields)


def resident(i: int) -> dict[str, str]:
    """Resident number i: a name and a NIK of their own (so no two are the same request)."""
    return {"nama": "Warga " + "".join(chr(65 + (i // 26 ** k) % 26) for k in range(3)),
            "nik": f"320101450790{i + 1:04d}"}


EMPTY = {"nama": "", "nik": "", "wa": "", "setuju": ""}


def one_resident(base: str, i: int) -> int:
    """Resident i opens the form and sends it; one in eight mistypes the NIK first and corrects it."""
    phone = Browser(base, f"100.{64 + i // 250}.{i % 250}.7")
    page = phone.open_form()
    if i % 8 == 0 and phone.send(page, **{**resident(i), "nik": "320101"}) != 422:
        return -1
    return phone.send(page, **resident(i))


# -- hops=1: one proxy in front (nginx, a tunnel) ---------------------------------------------

def test_a_thousand_residents_behind_the_proxy_are_all_accepted_by_serve(tmp_path):
    port = free_port()
    env = {**os.environ, "PONDOK_DATA_DIR": str(tmp_path / "data"), "PONDOK_SECRET_KEY": "x",
           "PONDOK_PROXY_HOPS": "1", "PONDOK_SYNC_MINUTES": "60"}
    log = tmp_path / "serve.log"  # a file, not a pipe: 1,000 console messages would fill a pipe and stall serve
    server = subprocess.Popen([sys.executable, "main.py", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: requests.get(base + "/healthz", timeout=2).ok)
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(lambda i: one_resident(base, i), range(1000)))
        assert codes == [303] * 1000  # nobody refused, nobody sent to the "too many requests" page
        staff = LocalStaff(tmp_path / "data" / "register.sqlite3")
        rows = wait_until(lambda: len(found := staff.rows()) >= 1000 and found, seconds=60)  # serve's own flush
        assert len({r["Tiket"] for r in rows}) == 1000
    finally:
        server.terminate()
        server.wait(timeout=20)
    output = log.read_text()
    assert "3201014507900001" not in output and "100.64." not in output  # no NIK, no address in the log


def test_one_abusive_client_is_limited_without_touching_the_others(tmp_path):
    with serving(local_settings(tmp_path, hops=1)) as (base, office):
        abuser = Browser(base, "198.51.100.66")
        page = abuser.open_form()
        codes = [abuser.send(page, **EMPTY) for _ in range(11)]
        assert codes == [422] * 10 + [429]  # the same page, empty, again and again
        assert abuser.send(page) == 429  # filling it in now does not help: that page is spent for 10 minutes
        neighbour = Browser(base, "198.51.100.66")  # another phone behind the same carrier address
        assert neighbour.apply(**resident(1)) == 303
        assert Browser(base, "203.0.113.5").apply(**resident(2)) == 303
        bot = Browser(base, "198.51.100.77")  # posts without ever opening the form: refused before any work
        assert {bot.send({}) for _ in range(30)} == {400}

        # Rotating pages (a fresh form each time) reaches the per-address limit of refused forms.
        rotating = Browser(base, "192.0.2.99")
        codes = [rotating.apply(**EMPTY) for _ in range(101)]
        assert codes == [422] * 100 + [429]
        assert Browser(base, "203.0.113.6").apply(**resident(3)) == 303  # other addresses are untouched
        assert len(office.state.queue.pending()) == 3
        guesser = Browser(base, "198.51.100.88")  # survey links are not guessable by the thousand
        token = {"csrf_token": guesser.open_form()["csrf_token"]}
        assert [guesser.session.post(f"{base}/survei/{i:032x}", data=token, timeout=10).status_code
                for i in range(21)] == [404] * 20 + [429]


def test_refused_complaints_from_one_address_end_in_429_while_other_addresses_still_file(tmp_path):
    complaint = {"kategori": "Air bersih", "isi": "Air PAM mati tiga hari di RT 02."}
    with serving(local_settings(tmp_path, hops=1)) as (base, office):
        def post(phone: Browser, **fields: str) -> int:
            page = phone.session.get(f"{base}/pengaduan", timeout=30).text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            return phone.session.post(f"{base}/pengaduan", data={**fields, "csrf_token": token}, timeout=30,
                                      allow_redirects=False).status_code

        spammer = Browser(base, "198.51.100.44")
        codes = [post(spammer, kategori="", isi="") for _ in range(21)]
        assert codes == [422] * 20 + [429]
        assert post(spammer, **complaint) == 429  # that address waits out the 10 minutes
        assert post(Browser(base, "203.0.113.9"), **complaint) == 303
        assert [row["Kategori"] for _, row in office.state.voice.pending("Pengaduan")] == ["Air bersih"]


def test_behind_the_proxy_a_forged_entry_before_the_proxys_own_changes_nothing(tmp_path):
    with serving(local_settings(tmp_path, hops=1)) as (base, _):
        forger = Browser(base)
        page = forger.open_form()
        codes = []
        for i in range(11):  # what nginx passes on: the forged entry, then the address it saw
            forger.session.headers["X-Forwarded-For"] = f"6.6.6.{i}, 198.51.100.9"
            codes.append(forger.send(page, **EMPTY))
        assert codes == [422] * 10 + [429]  # one client: the address the proxy saw
        other = Browser(base, "203.0.113.50")  # the same page from another address counts apart
        assert other.send({**other.open_form(), "kiriman": page["kiriman"]}, **EMPTY) == 422


def test_a_form_page_can_be_corrected_several_times(tmp_path):
    with serving(local_settings(tmp_path, hops=1)) as (base, _):
        phone = Browser(base, "100.64.0.1")
        page = phone.open_form()
        assert [phone.send(page, nik="123") for _ in range(5)] == [422] * 5  # typos, fixed one by one
        assert phone.send(page, **resident(4)) == 303


# -- hops=0: nothing in front (a laptop) -------------------------------------------------------

def test_with_no_proxy_a_forged_forwarded_address_changes_nothing(tmp_path):
    with serving(local_settings(tmp_path, hops=0)) as (base, office):
        forger = Browser(base)
        page = forger.open_form()
        codes = []
        for i in range(11):
            forger.session.headers["X-Forwarded-For"] = f"6.6.6.{i}"  # a new "address" every time
            codes.append(forger.send(page, **EMPTY))
        assert codes == [422] * 10 + [429]  # still one client: the real peer, 127.0.0.1
        for i in range(90):  # fresh pages, each under a new forged address
            forger.session.headers["X-Forwarded-For"] = f"6.6.7.{i}"
            forger.apply(**EMPTY)
        forger.session.headers["X-Forwarded-For"] = "6.6.8.1"
        assert forger.apply(**resident(5)) == 429  # the per-address limit of refused forms: the peer's
        sample = json.dumps(office.state.meta.get(SAMPLE_KEY))
        assert "6.6." not in sample and "127.0.0.1" not in sample  # counts only, never an address


def test_serve_passes_forwarding_headers_so_the_app_alone_decides():
    assert waitress_options(Settings(proxy_hops=0)) == {"clear_untrusted_proxy_headers": False}
    assert waitress_options(Settings(proxy_hops=1)) == {"clear_untrusted_proxy_headers": False}
    assert Settings().proxy_hops == 0  # the safe default: a laptop with nothing in front


# -- doctor --------------------------------------------------------------------------------------

# The app keeps its sample on the 1st, 2nd, 4th … 32nd request (then once a minute): 32 requests here.

def proxy_lines(office) -> list[tuple[str, str]]:
    return [(f.level, f.text) for f in examine(office) if "PONDOK_PROXY_HOPS" in f.text]


def test_doctor_says_when_requests_come_through_a_proxy_but_hops_is_0(tmp_path):
    settings = local_settings(tmp_path, hops=0)
    with serving(settings) as (base, office):
        assert "belum cukup permintaan" in proxy_lines(office)[0][1]
        for _ in range(32):  # what nginx in front sends: one entry, from 127.0.0.1
            requests.get(base + "/", headers={"X-Forwarded-For": "203.0.113.20"}, timeout=5)
        [(level, text)] = proxy_lines(office)
    assert level == WARN and "PONDOK_PROXY_HOPS=0, tetapi 32 dari 32 permintaan" in text
    assert "Setel PONDOK_PROXY_HOPS=1" in text


def test_doctor_is_not_misled_by_a_few_forged_headers_at_hops_0(tmp_path):
    with serving(local_settings(tmp_path, hops=0)) as (base, office):
        for i in range(32):
            headers = {"X-Forwarded-For": "6.6.6.6"} if i % 5 == 0 else {}
            requests.get(base + "/", headers=headers, timeout=5)
        [(level, text)] = proxy_lines(office)
    assert level != WARN and "PONDOK_PROXY_HOPS=0 cocok dengan 32 permintaan terakhir" in text


def test_doctor_says_when_hops_counts_more_proxies_than_requests_carry(tmp_path):
    with serving(local_settings(tmp_path, hops=2)) as (base, office):
        for _ in range(32):
            requests.get(base + "/", headers={"X-Forwarded-For": "203.0.113.20"}, timeout=5)  # one proxy only
        [(level, text)] = proxy_lines(office)
    assert level == WARN and "PONDOK_PROXY_HOPS=2, tetapi 32 dari 32 permintaan terakhir" in text
    assert "Setel PONDOK_PROXY_HOPS=1" in text


def test_doctor_suggests_0_when_hops_is_set_on_a_laptop_with_nothing_in_front(tmp_path):
    with serving(local_settings(tmp_path, hops=1)) as (base, office):
        for _ in range(32):
            requests.get(base + "/", timeout=5)
        [(level, text)] = proxy_lines(office)
    assert level == WARN and "bisa dipalsukan" in text and "Setel PONDOK_PROXY_HOPS=0" in text


def test_doctor_is_content_when_hops_matches_the_proxy(tmp_path):
    with serving(local_settings(tmp_path, hops=1)) as (base, office):
        for _ in range(32):
            requests.get(base + "/", headers={"X-Forwarded-For": "203.0.113.20"}, timeout=5)
        [(level, text)] = proxy_lines(office)
    assert level == "OK" and text == "PONDOK_PROXY_HOPS=1 cocok dengan 32 permintaan terakhir."


# -- the limits' counters, shared by workers -------------------------------------------------------

def test_two_app_instances_on_one_data_dir_count_refused_forms_together(tmp_path):
    settings = local_settings(tmp_path, hops=1)
    with serving(settings) as (first, _), serving(replace(settings)) as (second, _):
        phone = Browser(first, "100.64.9.9")
        page = phone.open_form()
        codes = []
        for i in range(11):  # alternate between the two "workers", as a host's balancer would
            phone.base = (first, second)[i % 2]
            codes.append(phone.send(page, **EMPTY))
        assert codes == [422] * 10 + [429]
        assert (tmp_path / "data" / "limits.sqlite3").exists()


def test_the_sqlite_counters_are_exact_under_concurrent_writers(tmp_path):
    uri = storage_uri(tmp_path)
    one, two = SqliteStorage(uri), SqliteStorage(uri)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: (one, two)[i % 2].incr("k", 60), range(400)))
    assert one.get("k") == two.get("k") == 400
    assert 59 < two.get_expiry("k") - time.time() <= 60
    two.incr("short", 1)
    time.sleep(1.1)
    assert one.get("short") == 0 and one.incr("short", 60) == 1  # an expired window starts again
    one.clear("k")
    assert two.get("k") == 0 and one.check()


def test_two_worker_processes_count_into_one_file(tmp_path):
    counting = ("import sys; from pondok_sheets.state.limits_store import SqliteStorage; "
                "s = SqliteStorage(sys.argv[1]); [s.incr('ajukan/100.64.0.1', 600) for _ in range(300)]")
    uri = storage_uri(tmp_path)
    workers = [subprocess.Popen([sys.executable, "-c", counting, uri], cwd=ROOT) for _ in range(2)]
    assert [w.wait(timeout=60) for w in workers] == [0, 0]
    assert SqliteStorage(uri).get("ajukan/100.64.0.1") == 600


def test_a_worker_starting_while_another_writes_the_new_counters_file_waits_instead_of_failing(tmp_path):
    # SQLite refuses to switch a new file to WAL at once, without waiting, while another connection
    # holds its write lock: as when two workers start together on a fresh data folder.
    uri = storage_uri(tmp_path)
    other = sqlite3.connect(Path(urlparse(uri).path), isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, hits INTEGER NOT NULL, "
                  "expires REAL NOT NULL)")
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.3, lambda: other.execute("COMMIT")).start()
    storage = SqliteStorage(uri)  # waits for the other writer instead of raising "database is locked"
    assert storage.incr("ajukan/100.64.0.1", 600) == 1
    other.close()
