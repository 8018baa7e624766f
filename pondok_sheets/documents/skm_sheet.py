"""The SKM sheet of `rekap`: the regulation's tables (NRR per unsur, IKM, mutu, respondents) as rows."""
from __future__ import annotations

from ..register.survey import ELEMENTS
from ..register.survey_index import Result, fmt, nrr_grade


def skm_rows(result: Result) -> list[list[object]]:
    """Rows for a spreadsheet: a title, the unsur table, the IKM and its mutu, and the per-service table."""
    rows: list[list[object]] = [[f"Survei Kepuasan Masyarakat, {result.period.label} (PermenPANRB 14/2017)"]]
    index = result.overall
    if index is None:
        return rows + [["Belum ada jawaban survei pada periode ini."]]
    rows.append(["Unsur", "Nama unsur", "NRR", "NRR tertimbang", "Mutu unsur"])
    for element, nrr, weighted in zip(ELEMENTS, index.nrr, index.weighted):
        rows.append([element.column, element.name, fmt(nrr, 3), fmt(weighted, 3), nrr_grade(nrr).letter])
    rows += [[], ["IKM (konversi)", fmt(index.ikm)], ["Mutu pelayanan", f"{index.grade.letter} ({index.grade.name})"],
             ["Responden", result.respondents], ["Orang dilayani", result.served],
             ["Sampel minimal", result.required],
             ["Catatan", "Responden di bawah sampel minimal" if result.is_below_sample else "Sampel cukup"],
             [], ["Layanan", "Responden", "IKM", "Mutu"]]
    for name, service_index in result.services.items():
        rows.append([name, service_index.respondents, fmt(service_index.ikm), service_index.grade.letter])
    return rows
