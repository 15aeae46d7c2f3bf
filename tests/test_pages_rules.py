"""Pages: the rule sets in force and a dry run of a candidate rule file (README "Rules are data",
R18, R30), as finance, HQ and the other roles see them.

Over HTTP, on both databases, as a browser sends it (see `tests.pages`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest

from tests.flows import Flows
from tests.pages import Person, forms_of, text_of
from tests.test_credit import held_order
from tests.test_rules_live import credit_rules

People = Callable[..., Person]
DRY_RUN = "/web/rules/dry-run"


def words(page: str) -> str:
    """The words a reader sees, with `->` and quotes as written."""
    return html.unescape(text_of(page))


def field_error(page: str) -> str:
    """The words shown next to the candidate file's field."""
    found = re.search(r'<span class="field-error" id="err-yaml">(.*?)</span>', page, re.S)
    assert found is not None, text_of(page)[:600]
    return html.unescape(found.group(1))


def test_r18_the_rule_sets_in_force_are_listed_with_their_versions(person: People) -> None:
    finance = person("finance")
    assert 'href="/web/rules"' in finance.page("/web")  # the menu has "Rules"
    listed = finance.page("/web/rules")
    shown = words(listed)
    for name, rules in (("credit_release", 5), ("invoice_exception", 7)):
        assert f'href="/web/rules/{name}?version=1"' in listed
        row = shown.split(name, 1)[1]
        assert row.startswith(f" v1 In force from 2026-01-01 to — {rules} ")
        assert f"{name}.yaml" in row
    assert "Hold an order that would take the customer over its credit limit" in shown
    assert "tried on: Order" in shown and "tried on: Invoice exception" in shown
    assert f'href="{DRY_RUN}"' in listed
    # One rule set as finance reads it: each rule's conditions and actions, and its file.
    page = finance.page("/web/rules/credit_release")
    read = words(page)
    assert "Rule set credit_release v1" in read
    assert "over-credit-limit" in read and "grade-c-overdue" in read
    assert "amount_over_credit_limit is more than 0" in read
    assert "customer_grade is C" in read and "any of:" in read
    assert "hold reason: order amount plus open receivables exceeds the credit limit" in read
    assert "ruleset: credit_release" in page  # the file as loaded, read-only
    assert f'href="{DRY_RUN}?ruleset=credit_release"' in page
    zh = words(person("finance", locale="zh").page("/web/rules/credit_release"))
    assert "规则集 credit_release v1" in zh and "amount_over_credit_limit 大于 0" in zh


def test_r30_a_dry_run_of_a_candidate_shows_the_held_order_it_would_release(
    flows: Flows, person: People
) -> None:
    order = held_order(flows)
    candidate = credit_rules(version=2, allowance="6000")  # 5,562.50 over the limit: released
    finance = person("finance")
    started = finance.form(f"{DRY_RUN}?ruleset=credit_release", DRY_RUN)
    assert "ruleset: credit_release" in dict(started.fields)["yaml"]  # from the version in force
    pasted = finance.submit(DRY_RUN, DRY_RUN, {"yaml": candidate})
    uploaded = finance.submit(
        DRY_RUN, DRY_RUN, files={"upload": ("cr2.yaml", candidate.encode(), "application/yaml")}
    )
    for answer in (pasted, uploaded):
        assert answer.status_code == 200, text_of(answer.text)[:600]
        shown = words(answer.text)
        assert "credit_release: in force v1, candidate v2" in shown
        assert "Dry run: nothing was changed." in shown
        assert "over-credit-limit -> release" in shown
        link = f'<a href="/web/orders/{order["id"]}">Order #{order["id"]}</a>'
        assert link in answer.text
        row = words(answer.text.split(link, 1)[1].split("</tr>", 1)[0])
        now, candidate_says = row.split("credit_release v2", 1)[0], row
        assert now.startswith("over-credit-limit hold reason:")
        assert "release reason: within the credit limit" in candidate_says
    assert "cr2.yaml" in words(uploaded.text)
    assert flows.order(order["id"])["state"] == "on_credit_hold"


def test_r18_a_broken_candidate_is_refused_next_to_the_file_field_in_english_and_chinese(
    person: People,
) -> None:
    broken = credit_rules(version=2, allowance="6000").replace("operator: greater_than", "op: x")
    for locale, reason in (
        ("en", "rule file refused: cr2.yaml: rule 'over-credit-limit'"),
        ("zh", "规则文件被拒绝：cr2.yaml: rule 'over-credit-limit'"),
    ):
        hq = person("hq", locale=locale)
        refused = hq.submit(
            DRY_RUN, DRY_RUN, files={"upload": ("cr2.yaml", broken.encode(), "text/yaml")}
        )
        assert refused.status_code == 422
        assert reason in field_error(refused.text)
        assert 'aria-invalid="true"' in refused.text
        kept = dict(forms_of(refused.text)[-1].fields)["yaml"]
        assert kept == broken  # the candidate stays in the form, to be fixed
    missing = (("en", "choose a rule file or paste its text"), ("zh", "请选择规则文件"))
    for locale, reason in missing:
        empty = person("finance", locale=locale).submit(DRY_RUN, DRY_RUN, {"yaml": "  "})
        assert empty.status_code == 422 and reason in field_error(empty.text)
    not_text = person("finance").submit(
        DRY_RUN, DRY_RUN, files={"upload": ("scan.yaml", b"\xff\xfe\x00bad", "text/yaml")}
    )
    assert not_text.status_code == 422 and "not UTF-8 text" in field_error(not_text.text)


def test_r18_another_role_may_read_the_rules_but_not_dry_run_them(person: People) -> None:
    candidate = credit_rules(version=2, allowance="6000")
    for role in ("logistics", "sales"):
        someone = person(role)
        listed = someone.page("/web/rules")
        assert "credit_release" in words(listed)
        assert DRY_RUN not in listed and DRY_RUN not in someone.page("/web/rules/credit_release")
        assert someone.get(DRY_RUN).status_code == 403
        csrf = dict(forms_of(listed)[0].fields)["csrf"]
        refused = someone.http.post(DRY_RUN, data={"csrf": csrf, "yaml": candidate})
        assert refused.status_code == 403
        assert "this needs one of the roles: finance, hq, admin" in words(refused.text)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/web/rules/no_such_rules", 404),
        ("/web/rules/Credit-Release", 422),
        ("/web/rules/" + "a" * 65, 422),
        ("/web/rules/credit_release?version=0", 422),
        ("/web/rules/credit_release?version=x", 422),
        ("/web/rules/credit_release?version=99", 404),
        (f"{DRY_RUN}?ruleset=NOT%20A%20NAME", 422),
        (f"{DRY_RUN}?ruleset=no_such_rules", 404),
    ],
)
def test_bad_rule_page_addresses_are_refused(person: People, path: str, status: int) -> None:
    answer = person("finance").get(path)
    assert answer.status_code == status, (path, answer.status_code)
    assert "<html" in answer.text
