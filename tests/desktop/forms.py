"""Reading the detail pane as a person does."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout


def detail_form(detail) -> dict[str, str]:
    """The detail pane's facts: label -> text."""
    out = {}
    for i in range(detail.form.rowCount()):
        k = detail.form.itemAt(i, QFormLayout.LabelRole)
        v = detail.form.itemAt(i, QFormLayout.FieldRole)
        if k and v:
            out[k.widget().text()] = v.widget().text()
    return out
