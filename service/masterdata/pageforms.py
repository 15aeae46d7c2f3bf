"""What the master-data pages share: forms with lines (DCs, prices), the version a form was shown
at, refusals put back next to their inputs, and the words of the values master data carries.

Master data is changed by sending back what was read, changed: the form carries the version it
was shown at, and the use case gets it as the API's If-Match, so a concurrent change is refused
(`document.version_mismatch`) and shown on the page.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from service.errors import DomainError
from service.problems import input_error
from service.web.forms import FormRefused, nested

M = TypeVar("M", bound=BaseModel)
_ROW = re.compile(r"^([a-z_]+)\[(\d+)\](.*)$")
# A refusal of the whole form that belongs to one input (a model's own check names no field).
_INPUT_OF = {
    "customer.settlement_day_required": "settlement_day",
    "customer.settlement_day_only_monthly": "settlement_day",
    "terms.day_of_month_required": "day_of_month",
    "terms.day_of_month_only_monthly": "day_of_month",
    "customer.settlement_centre_address_required": "settlement_centre_address",
    "contract.valid_from_after_valid_to": "valid_to",
    "attorney.identity_required": "id_number",
    "attorney.valid_from_after_valid_to": "valid_to",
}
# Blank lines offered after the ones a document has (DCs, prices).
BLANK_LINES = 3

# Words of the values master data carries (literal codes, so the catalogs' check sees them).
WORDS: dict[str, dict[str, str]] = {
    "grade": {
        "A": "masterdata.grade.A",
        "B": "masterdata.grade.B",
        "C": "masterdata.grade.C",
    },
    # A customer's settlement kind is the basis of its payment terms (R19).
    "settlement_kind": {
        "receipt": "masterdata.settlement_kind.receipt",
        "month_end": "masterdata.settlement_kind.month_end",
        "monthly_day": "masterdata.settlement_kind.monthly_day",
    },
    "basis": {
        "receipt": "masterdata.settlement_kind.receipt",
        "month_end": "masterdata.settlement_kind.month_end",
        "monthly_day": "masterdata.settlement_kind.monthly_day",
    },
    "non_working": {
        "keep": "masterdata.non_working.keep",
        "next": "masterdata.non_working.next",
        "previous": "masterdata.non_working.previous",
    },
    "invoice_delivery": {
        "branch": "masterdata.invoice_delivery.branch",
        "settlement_centre": "masterdata.invoice_delivery.settlement_centre",
    },
    "discount_mode": {
        "on_invoice": "masterdata.discount_mode.on_invoice",
        "receipt_offset": "masterdata.discount_mode.receipt_offset",
        "red_letter": "masterdata.discount_mode.red_letter",
    },
    "return_credit_method": {
        "red_letter": "masterdata.return_credit.red_letter",
        "customer_blue_invoice": "masterdata.return_credit.customer_blue_invoice",
        "next_invoice_deduction": "masterdata.return_credit.next_invoice_deduction",
    },
    "scope": {
        "reconcile": "masterdata.scope.reconcile",
        "collect": "masterdata.scope.collect",
    },
    "prices_include_tax": {
        "true": "masterdata.prices_include_tax.true",
        "false": "masterdata.prices_include_tax.false",
    },
    # The fields a change journals, as the history of changes names them.
    "field": {
        "name": "masterdata.field.name",
        "tax_no": "masterdata.field.tax_no",
        "branch": "masterdata.field.branch",
        "grade": "masterdata.field.grade",
        "credit_limit": "masterdata.field.credit_limit",
        "payment_term_days": "masterdata.field.payment_term_days",
        "settlement_kind": "masterdata.field.settlement_kind",
        "settlement_day": "masterdata.field.settlement_day",
        "non_working": "masterdata.field.non_working",
        "payment_terms": "masterdata.field.payment_terms",
        "reconciliation_lead_days": "masterdata.field.reconciliation_lead_days",
        "invoice_delivery": "masterdata.field.invoice_delivery",
        "settlement_centre_address": "masterdata.field.settlement_centre_address",
        "discount_mode": "masterdata.field.discount_mode",
        "return_credit_methods": "masterdata.field.return_credit_methods",
        "warehouses": "masterdata.field.warehouse",
        "valid_from": "masterdata.field.valid_from",
        "valid_to": "masterdata.field.valid_to",
        "discount_rate": "masterdata.field.discount_rate",
        "rebate_terms": "masterdata.field.rebate_terms",
        "prices": "masterdata.field.price",
        "reason": "masterdata.field.reason",
    },
}


def compact(form: FormData, *lists: str) -> tuple[FormData, dict[str, str]]:
    """Lines left blank dropped and the rest numbered from 0, as the use case sees them; with
    the input name of each renumbered line, to put a refusal back next to what was typed."""
    filled: set[tuple[str, int]] = set()
    for key, value in form.multi_items():
        found = _ROW.match(key)
        if found and found.group(1) in lists and isinstance(value, str) and value.strip():
            filled.add((found.group(1), int(found.group(2))))
    numbering: dict[tuple[str, int], int] = {}
    for name in lists:
        kept = sorted(index for line, index in filled if line == name)
        numbering.update({(name, old): new for new, old in enumerate(kept)})
    pairs: list[tuple[str, Any]] = []
    for key, value in form.multi_items():
        found = _ROW.match(key)
        if found is None or found.group(1) not in lists:
            pairs.append((key, value))
        elif (line := (found.group(1), int(found.group(2)))) in numbering:
            pairs.append((f"{line[0]}[{numbering[line]}]{found.group(3)}", value))
    inputs = {f"{name}[{new}]": f"{name}[{old}]" for (name, old), new in numbering.items()}
    return FormData(pairs), inputs


def parse_with(
    model: type[M],
    form: FormData,
    *,
    absent: Mapping[str, Any] | None = None,
    fixed: Mapping[str, Any] | None = None,
) -> M:
    """The form as `model`: inputs left blank take their `absent` value (a field the model
    requires that may be null or empty), and `fixed` values (from the page's path) win."""
    values = {**(absent or {}), **nested(form.multi_items()), **(fixed or {})}
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise FormRefused([input_error(e) for e in error.errors()]) from None


def at_inputs(error: DomainError, inputs: Mapping[str, str] | None = None) -> DomainError:
    """The refusal with each field named as the page's input: lines by the number they had on
    the page, a check of the whole form by the input it is about."""

    def rename(field: str, code: str) -> str:
        found = _ROW.match(field)
        if found and inputs:
            line = f"{found.group(1)}[{found.group(2)}]"
            return inputs.get(line, line) + found.group(3)
        return _INPUT_OF.get(code, field)

    error.errors = [dataclasses.replace(e, field=rename(e.field, e.code)) for e in error.errors]
    return error


def lines(values: Mapping[str, str], name: str, count: int) -> int:
    """How many lines to show: `count`, or more when more were typed."""
    typed = [int(m.group(2)) for k in values if (m := _ROW.match(k)) and m.group(1) == name]
    return max([count, *(i + 1 for i in typed)])


def changes(history: list[Any]) -> list[dict[str, Any]]:
    """What each change of the history changed, field by field (lines by their code), and the
    reasons given, for the table of changes under the document."""
    rows: list[dict[str, Any]] = []
    for event in history:
        payload = event.payload or {}
        shown = {"at": event.occurred_at, "actor": event.actor, "trigger": event.trigger}
        if "reason" in payload:
            rows.append({**shown, "field": "reason", "key": "", "before": "", "after": ""})
            rows[-1]["after"] = str(payload["reason"])
        for field, change in (payload.get("changes") or {}).items():
            before, after = change.get("before"), change.get("after")
            if isinstance(before, dict) and isinstance(after, dict):
                for key in sorted(set(before) | set(after)):
                    rows.append(
                        {
                            **shown,
                            "field": field,
                            "key": key,
                            "before": _plain(before.get(key)),
                            "after": _plain(after.get(key)),
                        }
                    )
            else:
                rows.append(
                    {**shown, "field": field, "key": "", "before": _plain(before)}
                    | {"after": _plain(after)}
                )
    return rows


def _plain(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict):
        return " · ".join(str(v) for v in value.values() if v)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
