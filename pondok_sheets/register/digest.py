"""The morning digest for staff: what waits, and what is late (past its promised working days)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from .calendar import add_working_days, working_days_between
from .model import FINISHED, PublicStatus, Service, Status
from .stamps import parse_day

COUNTED = (Status.BARU, Status.DIPROSES, Status.PERLU_DILENGKAPI, Status.SIAP_DIAMBIL)
MESSAGE_LIMIT = 4000  # one WhatsApp text holds 4,096 characters


@dataclass(frozen=True)
class Late:
    """A request past its promised date."""

    ticket: str
    service: str
    received: date
    days_late: int


def late_requests(rows: Iterable[PublicStatus], services: Sequence[Service], today: date) -> list[Late]:
    """Unfinished requests whose promised working days have passed, oldest first."""
    promised = {s.name: s.days for s in services}
    late = []
    for row in rows:
        status = Status.parse(row.status) or Status.BARU
        received = parse_day(row.received)
        days = promised.get(row.service)
        if status in FINISHED or status is Status.SIAP_DIAMBIL or received is None or days is None:
            continue
        due = add_working_days(received, days)
        if due < today:
            late.append(Late(row.ticket, row.service, received,
                             working_days_between(due, today)))
    return sorted(late, key=lambda item: (item.received, item.ticket))


def compose_digest(rows: Sequence[PublicStatus], services: Sequence[Service], today: date, village: str,
                   alerts: Sequence[str] = ()) -> str:
    """The digest text, cut to fit one message; `alerts` are what WhatsApp said about sending (issue 12)."""
    counts = Counter(Status.parse(r.status) or Status.BARU for r in rows)
    lines = [f"Ringkasan pagi Kantor Desa {village}, {today:%d-%m-%Y}"]
    lines += [f"PERHATIAN WhatsApp: {alert}" for alert in alerts]
    lines += [f"{status.value}: {counts.get(status, 0)}" for status in COUNTED]
    late = late_requests(rows, services, today)
    if not late:
        lines.append("Tidak ada permohonan yang melewati janji waktu. Terima kasih!")
        return "\n".join(lines)
    lines.append(f"Lewat janji waktu ({len(late)}), paling lama dulu:")
    for shown, item in enumerate(late):
        line = f"- {item.ticket} · {item.service} · masuk {item.received:%d-%m} · lewat {item.days_late} hari kerja"
        rest = f"… dan {len(late) - shown} lainnya (lihat sheet)"
        if len("\n".join(lines + [line, rest])) > MESSAGE_LIMIT:
            lines.append(rest)
            break
        lines.append(line)
    return "\n".join(lines)


def digest_params(rows: Sequence[PublicStatus], services: Sequence[Service], today: date, village: str,
                  alerts: Sequence[str] = ()) -> tuple[str, ...]:
    """The five values of the digest template ({{1}} desa … {{5}} perhatian), one line each, '-' for none."""
    counts = Counter(Status.parse(r.status) or Status.BARU for r in rows)
    late = late_requests(rows, services, today)
    late_text = f"{len(late)} permohonan, paling lama {late[0].ticket}" if late else "tidak ada"
    values = (village, f"{today:%d-%m-%Y}", ", ".join(f"{s.value} {counts.get(s, 0)}" for s in COUNTED),
              late_text, "; ".join(alerts)[:500])
    return tuple(" ".join(v.split()) or "-" for v in values)  # Meta refuses empty values and line breaks
