"""The satisfaction survey end to end: invitation with the Selesai message, the answer page, the index published."""
from __future__ import annotations

import re
from datetime import time

import pytest

from pondok_sheets.flow import survey
from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.sync import sync
from pondok_sheets.office import Office
from pondok_sheets.register.model import Channel
from pondok_sheets.register.survey_tokens import token_for

from .conftest import VALID, at, csrf_token

ALL_FOURS = {f"u{i}": "4" for i in range(1, 10)}
LINK = re.compile(r"https://layanan\.desapondok\.id/survei/([A-Za-z0-9_-]+)")


def messages_for(office: Office, ticket: str) -> list[str]:
    return [text for _, _, _, t, text in office.state.outbox.latest(1000) if t == ticket]


def finished_request(office: Office, staff, day: str = "2026-11-27") -> str:
    """A request submitted, flushed and set to Selesai by staff in the sheet, then synced."""
    ticket = submit(office, "SKD", VALID, Channel.FORM, at(f"{day} 09:00"))
    sync(office, at(f"{day} 09:01"))
    staff.set(ticket, "Status", "Selesai")
    sync(office, at(f"{day} 10:00"))
    return ticket


def answer(client, token: str, fields: dict):
    page = client.get(f"/survei/{token}").get_data(as_text=True)
    return client.post(f"/survei/{token}", data={**fields, "csrf_token": csrf_token(page)})


def test_a_finished_request_gets_one_invitation_with_its_personal_link_never_two(office, staff):
    ticket = finished_request(office, staff)
    for minute in ("10:05", "10:10"):
        sync(office, at(f"2026-11-27 {minute}"))
    selesai = [m for m in messages_for(office, ticket) if "sudah selesai" in m]
    assert len(selesai) == 1
    assert "survei kepuasan" in selesai[0] and LINK.search(selesai[0])
    assert LINK.search(selesai[0]).group(1) == token_for("test-secret", ticket)
    assert not any(LINK.search(m) for m in messages_for(office, ticket) if "sudah selesai" not in m)


def test_the_invitation_waits_for_the_end_of_quiet_hours(office, staff):
    object.__setattr__(office.settings, "quiet_hours", (time(21), time(7)))  # frozen: as if set in .env
    ticket = submit(office, "SKD", VALID, Channel.FORM, at("2026-11-27 09:00"))
    sync(office, at("2026-11-27 09:01"))
    staff.set(ticket, "Status", "Selesai")
    sync(office, at("2026-11-27 22:00"))
    assert not any("survei" in m for m in messages_for(office, ticket))
    sync(office, at("2026-11-28 07:05"))
    assert sum("survei" in m for m in messages_for(office, ticket)) == 1


def test_no_invitation_when_staff_turn_it_off_for_the_service(office, staff):
    staff.set_where("Layanan", "Kode", "SKD", "Survei", "Tidak")
    ticket = finished_request(office, staff)
    (selesai,) = [m for m in messages_for(office, ticket) if "sudah selesai" in m]
    assert "survei" not in selesai.casefold()


def app_with_survey_after(settings, clock, value: str):
    """The app as started with PONDOK_SURVEY_AFTER=`value` in .env (parsed by the real loader)."""
    import dataclasses

    from pondok_sheets import create_app
    from pondok_sheets.config import load_config

    after = load_config({"PONDOK_SURVEY_AFTER": value}, env_file=None).survey_after
    return create_app(dataclasses.replace(settings, survey_after=after), {"TESTING": True}, clock=clock)


def test_survey_after_another_status_invites_with_that_message_and_never_again(settings, clock, staff):
    app = app_with_survey_after(settings, clock, "siap diambil")
    office, client = app.extensions["pondok"], app.test_client()
    ticket = submit(office, "SKD", VALID, Channel.FORM, at("2026-11-27 09:00"))
    sync(office, at("2026-11-27 09:01"))
    staff.set(ticket, "Status", "Siap Diambil")
    sync(office, at("2026-11-27 10:00"))
    assert "Isi survei kepuasan" in client.get(f"/tiket/{ticket}").get_data(as_text=True)
    staff.set(ticket, "Status", "Selesai")
    sync(office, at("2026-11-27 11:00"))
    invited = [m for m in messages_for(office, ticket) if LINK.search(m)]
    assert len(invited) == 1 and "sudah siap diambil" in invited[0]
    assert any("sudah selesai" in m for m in messages_for(office, ticket))  # the Selesai message, without it


def test_survey_after_tidak_sends_no_invitation_and_the_ticket_page_offers_none(settings, clock, staff):
    app = app_with_survey_after(settings, clock, "Tidak")
    office, client = app.extensions["pondok"], app.test_client()
    ticket = finished_request(office, staff)
    sync(office, at("2026-11-27 10:05"))
    assert any("sudah selesai" in m for m in messages_for(office, ticket))
    assert not any("survei" in m.casefold() for m in messages_for(office, ticket))
    assert "Isi survei kepuasan" not in client.get(f"/tiket/{ticket}").get_data(as_text=True)


def test_a_survey_post_without_its_csrf_token_or_with_the_honeypot_filled_stores_nothing(client, office, staff):
    ticket = finished_request(office, staff)
    token = token_for("test-secret", ticket)
    assert client.post(f"/survei/{token}", data=ALL_FOURS).status_code == 400  # no CSRF token
    page = client.get(f"/survei/{token}").get_data(as_text=True)
    bot = client.post(f"/survei/{token}", data={**ALL_FOURS, "csrf_token": csrf_token(page),
                                                "situs_web": "http://spam.example"})
    assert bot.status_code == 422 and "Isian tidak bisa diproses" in bot.get_data(as_text=True)
    assert "Bagian 1 dari" in client.get(f"/survei/{token}").get_data(as_text=True)  # still open to the resident
    sync(office, at("2026-11-27 11:00"))
    assert staff.rows("Survei") == []


def test_a_token_answers_once_then_says_already_answered(client, office, staff):
    ticket = finished_request(office, staff)
    token = token_for("test-secret", ticket)
    page = client.get(f"/survei/{token}").get_data(as_text=True)
    assert "Bagian 1 dari 6" in page and "Sangat sesuai" in page and "Dikelola dengan baik" in page
    assert len(page.encode()) < 60_000
    missing = answer(client, token, {"u1": "3"})
    assert missing.status_code == 422 and "Pilih satu jawaban untuk pertanyaan 2." in missing.get_data(as_text=True)
    done = answer(client, token, {**ALL_FOURS, "jk": "Perempuan", "saran": "=cepat antrean"})
    assert done.status_code == 200 and "jawaban survei Anda sudah kami terima" in done.get_data(as_text=True)
    again = client.get(f"/survei/{token}").get_data(as_text=True)
    assert "sudah diisi, terima kasih" in again
    sync(office, at("2026-11-27 11:00"))
    (row,) = staff.rows("Survei")
    assert row["U9"] == "4" and row["Jenis Kelamin"] == "Perempuan" and row["Saran"] == "'=cepat antrean"
    assert ticket not in str(row) and "Siti" not in str(row) and "3456" not in str(row)


def test_the_survei_tab_keeps_the_day_of_an_answer_not_its_minute_and_older_rows_still_count(client, office,
                                                                                                staff):
    ticket = finished_request(office, staff)
    staff.add_row({**known_answer_rows([[3] * 9])[0], "Tiket (hash)": "lama"}, tab="Survei")  # written with a minute
    office.clock.moment = at("2026-11-27 10:17")
    answer(client, token_for("test-secret", ticket), ALL_FOURS)
    sync(office, at("2026-11-27 11:00"))
    old, new = staff.rows("Survei")
    assert old["Waktu"] == "2026-11-20 10:00" and new["Waktu"] == "2026-11-27"
    office.clock.moment = at("2026-11-28 08:00")
    page = client.get("/statistik").get_data(as_text=True)
    assert "2 responden" in page and "IKM 87,50" in page  # (27 + 36) / 18 × 25: the old row counts too


def test_already_answered_survives_lost_local_state(client, office, staff, settings, clock):
    ticket = finished_request(office, staff)
    token = token_for("test-secret", ticket)
    answer(client, token, ALL_FOURS)
    sync(office, at("2026-11-27 11:00"))
    settings.data_dir.joinpath("state.sqlite3").unlink()
    from pondok_sheets import create_app

    fresh = create_app(settings, {"TESTING": True}, clock=clock)
    sync(fresh.extensions["pondok"], at("2026-11-27 11:05"))
    assert "sudah diisi, terima kasih" in fresh.test_client().get(f"/survei/{token}").get_data(as_text=True)


def test_a_forged_or_foreign_token_gets_404(client, office, staff):
    ticket = finished_request(office, staff)
    good = token_for("test-secret", ticket)
    for token in (good[:-1] + ("A" if good[-1] != "A" else "B"), token_for("another-office", ticket), "xyz"):
        assert client.get(f"/survei/{token}").status_code == 404


def test_a_walkin_types_the_ticket_at_the_counter_qr_and_answers_once(client, office, staff):
    ticket = finished_request(office, staff)
    response = client.get(f"/survei?tiket={ticket.lower()}")
    assert response.status_code == 303 and response.headers["Location"].endswith(token_for("test-secret", ticket))
    assert client.get("/survei?tiket=PDK-2345678").status_code == 404
    answer(client, token_for("test-secret", ticket), ALL_FOURS)
    redirected = client.get(f"/survei?tiket={ticket}", follow_redirects=True).get_data(as_text=True)
    assert "sudah diisi, terima kasih" in redirected


def test_the_ticket_page_offers_the_survey_once_the_request_is_finished_until_it_is_answered(client, office, staff):
    # The Cloud API's template (outside the 24-hour window) has no place for the invitation:
    # the ticket page the resident checks carries it instead.
    ticket = submit(office, "SKD", VALID, Channel.FORM, at("2026-11-27 09:00"))
    sync(office, at("2026-11-27 09:01"))
    assert "Isi survei kepuasan" not in client.get(f"/tiket/{ticket}").get_data(as_text=True)  # Baru
    staff.set(ticket, "Status", "Selesai")
    sync(office, at("2026-11-27 10:00"))
    page = client.get(f"/tiket/{ticket}").get_data(as_text=True)
    link = re.search(r'<a class="btn" href="(/survei/[A-Za-z0-9_-]+)">Isi survei kepuasan</a>', page)
    assert link and link.group(1) == f"/survei/{token_for('test-secret', ticket)}"
    assert "Siti" not in page and "3201014507900001" not in page and "3456" not in page and "7801" not in page
    form = client.get(link.group(1)).get_data(as_text=True)
    assert "Bagian 1 dari" in form and "Surat Keterangan Domisili" in form
    answer(client, token_for("test-secret", ticket), ALL_FOURS)
    assert "Isi survei kepuasan" not in client.get(f"/tiket/{ticket}").get_data(as_text=True)


def test_the_ticket_page_offers_no_survey_when_staff_turn_it_off_for_the_service(client, office, staff):
    staff.set_where("Layanan", "Kode", "SKD", "Survei", "Tidak")
    ticket = finished_request(office, staff)
    assert "Isi survei kepuasan" not in client.get(f"/tiket/{ticket}").get_data(as_text=True)


def known_answer_rows(scores_list: list[list[int]]) -> list[dict[str, str]]:
    return [{"Waktu": "2026-11-20 10:00", "Tiket (hash)": f"h{i}", "Layanan": "Surat Keterangan Domisili",
             **{f"U{n + 1}": str(s) for n, s in enumerate(scores)}} for i, scores in enumerate(scores_list)]


def answers_totalling(count: int, total: int) -> list[list[int]]:
    """`count` answers of nine scores, all 3 but for `total - 27·count` fours spread from the first."""
    extra = total - 27 * count
    rows = []
    for _ in range(count):
        scores = [3] * 9
        for n in range(9):
            if extra > 0:
                scores[n], extra = 4, extra - 1
        rows.append(scores)
    return rows


@pytest.mark.parametrize("count, total, ikm, category", [
    # Hand calculation: IKM = Σ NRR / 9 × 25 = total / (9 · count) × 25.
    (2, 63, "87,50", "B"),     # 63 / 18 × 25 = 87,500
    (26, 717, "76,60", "C"),   # 717 / 234 × 25 = 76,6026 → 76,60: the top of C
    (19, 524, "76,61", "B"),   # 524 / 171 × 25 = 76,6082 → 76,61: the bottom of B
])
def test_statistik_shows_the_ikm_of_a_survei_tab_of_known_answers(client, office, staff, count, total, ikm,
                                                                    category):
    for row in known_answer_rows(answers_totalling(count, total)):
        staff.add_row(row, tab="Survei")
    office.clock.moment = at("2026-11-28 08:00")
    sync(office, at("2026-11-28 08:00"))
    page = client.get("/statistik").get_data(as_text=True)
    assert f"IKM {ikm}" in page and f"mutu {category}" in page
    assert f"{count} responden" in page and "<svg" in page and "Persyaratan" in page


def test_statistik_flags_a_period_below_the_minimum_sample(client, office, staff):
    ticket = finished_request(office, staff, day="2026-11-27")
    answer(client, token_for("test-secret", ticket), ALL_FOURS)
    for i in range(3):
        submit(office, "SKD", {**VALID, "wa": f"0812-3456-780{i + 2}"}, Channel.FORM, at("2026-11-27 12:00"))
    office.clock.moment = at("2026-11-28 08:00")
    sync(office, at("2026-11-28 08:00"))
    page = client.get("/statistik").get_data(as_text=True)
    skm = page[page.index("Survei Kepuasan Masyarakat,"):]
    assert "1 responden" in skm and "minimal 4" in skm and "IKM 100,00" in skm, skm[:800]


def test_the_svg_chart_renders_on_a_360px_phone(live_server, office, staff, phone_page, tmp_path):
    for row in known_answer_rows([[4, 3, 2, 4, 3, 4, 4, 1, 3], [3, 3, 3, 4, 4, 4, 4, 2, 3]]):
        staff.add_row(row, tab="Survei")
    office.clock.moment = at("2026-11-28 08:00")
    sync(office, at("2026-11-28 08:00"))
    phone_page.goto(f"{live_server}/statistik")
    chart = phone_page.locator(".nrr-chart svg")
    box = chart.bounding_box()
    assert box and 250 <= box["width"] <= 360 and box["height"] > 200
    shot = tmp_path / "statistik-360.png"
    chart.screenshot(path=str(shot))
    assert shot.stat().st_size > 2000
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    assert "Pengaduan" in phone_page.locator("section.skm").inner_text()  # a lowest unsur named
