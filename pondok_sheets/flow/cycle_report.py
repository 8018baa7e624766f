"""What one sync cycle did, for staff, the cron log and /healthz."""
from __future__ import annotations

from dataclasses import dataclass, field

from .announcer import Later, Outcome, Refused, Sent, StopAll


@dataclass
class CycleReport:
    """What one cycle did; `error` is set when it stopped early (the rest stays queued)."""

    flushed: int = 0
    walkins: int = 0
    sent: int = 0
    not_sent: int = 0
    retry_later: int = 0
    unplaced: int = 0
    waiting: int = 0  # changes held back: settling, quiet hours, or this run's budget
    letters_waiting: int = 0  # letters due but left to the next sync (at most letters.MAX_DRAFTS a sync)
    error: str = ""
    stopped: str = ""  # why WhatsApp stopped every send this cycle (the first StopAll)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the cycle ran to the end."""
        return not self.error

    def count(self, outcome: Outcome) -> None:
        """Add one announcement's outcome to the figures."""
        if isinstance(outcome, Sent):
            self.sent += outcome.fresh
        elif isinstance(outcome, Refused):
            self.not_sent += 1
        elif isinstance(outcome, Later) and outcome.held:
            self.waiting += 1
        else:
            self.retry_later += 1
            if isinstance(outcome, StopAll):
                self.stopped = self.stopped or outcome.reason

    def summary(self) -> str:
        """One line in Bahasa Indonesia for staff and the cron log."""
        line = (f"{self.flushed} permohonan baru masuk register, {self.walkins} baris loket diberi tiket, "
                f"{self.sent} pesan terkirim, {self.not_sent} tidak terkirim, "
                f"{self.retry_later} dicoba lagi nanti")
        if self.waiting:
            line += f", {self.waiting} kabar menunggu (jeda/jam tenang)"
        if self.unplaced:
            line += f", {self.unplaced} sel menunggu baris ditemukan"
        if self.letters_waiting:
            line += f", {self.letters_waiting} surat dibuat pada sinkron berikutnya"
        for warning in self.warnings:
            line += f". PERHATIAN: {warning}"
        return f"GAGAL: {self.error} ({line})" if self.error else line
