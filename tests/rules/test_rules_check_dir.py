"""Loading and checking directories of rule files, as `o2c rules check DIR` does."""

import hashlib
import shutil
from pathlib import Path

import pytest

from rules import DEFAULT_DIR, RuleSetError, check_dir, load_dir
from rules.__main__ import main


def copy_defaults(target: Path) -> Path:
    for file in DEFAULT_DIR.glob("*.yaml"):
        shutil.copy(file, target / file.name)
    return target


def test_shipped_rule_sets_all_pass_the_check() -> None:
    reports = check_dir(DEFAULT_DIR)

    assert [(r.file, r.ok) for r in reports] == [
        ("collection.yaml", True),
        ("credit_release.yaml", True),
        ("credit_review.yaml", True),
        ("invoice_exception.yaml", True),
        ("receipt_exception.yaml", True),
        ("reconciliation_timing.yaml", True),
        ("return_credit.yaml", True),
    ]


def test_loaded_rule_sets_carry_version_and_sha256_of_the_file() -> None:
    book = load_dir(DEFAULT_DIR)

    for ruleset in book.rulesets:
        content = (DEFAULT_DIR / ruleset.source).read_bytes()
        assert ruleset.checksum == hashlib.sha256(content).hexdigest()
        assert ruleset.version == 1
    assert book.names() == (
        "collection",
        "credit_release",
        "credit_review",
        "invoice_exception",
        "receipt_exception",
        "reconciliation_timing",
        "return_credit",
    )


def test_check_reports_every_file_and_names_the_broken_one(tmp_path: Path) -> None:
    copy_defaults(tmp_path)
    broken = tmp_path / "credit_release.yaml"
    broken.write_text(broken.read_text().replace("name: credit_limit", "name: credit_limt"))
    text = broken.read_text().replace("max_days_overdue, operator", "credit_limt, operator", 1)
    broken.write_text(text)

    reports = check_dir(tmp_path)

    assert [(r.file, r.ok) for r in reports] == [
        ("collection.yaml", True),
        ("credit_release.yaml", False),
        ("credit_review.yaml", True),
        ("invoice_exception.yaml", True),
        ("receipt_exception.yaml", True),
        ("reconciliation_timing.yaml", True),
        ("return_credit.yaml", True),
    ]
    error = reports[1].error
    assert error is not None
    assert (error.file, error.rule, error.field) == (
        "credit_release.yaml",
        "grade-a-overdue",
        "conditions.all[1].name",
    )
    assert str(reports[1]).startswith("FAILED credit_release.yaml: rule 'grade-a-overdue'")


def test_load_dir_is_all_or_nothing(tmp_path: Path) -> None:
    copy_defaults(tmp_path)
    (tmp_path / "zz_broken.yaml").write_text("ruleset: credit_release\n")

    with pytest.raises(RuleSetError, match=r"zz_broken.yaml: version: missing"):
        load_dir(tmp_path)


def test_two_files_with_the_same_version_are_refused(tmp_path: Path) -> None:
    copy_defaults(tmp_path)
    shutil.copy(tmp_path / "credit_release.yaml", tmp_path / "credit_release_copy.yaml")

    reports = check_dir(tmp_path)

    (failed,) = [r for r in reports if not r.ok]
    assert failed.file == "credit_release_copy.yaml"
    assert "credit_release v1 is also in credit_release.yaml" in str(failed.error)


def test_versions_in_force_on_the_same_day_are_refused(tmp_path: Path) -> None:
    copy_defaults(tmp_path)
    text = (tmp_path / "credit_release.yaml").read_text()
    (tmp_path / "credit_release_v2.yaml").write_text(text.replace("version: 1", "version: 2"))

    with pytest.raises(RuleSetError, match="in force on the same days as v1"):
        load_dir(tmp_path)


def test_versions_with_separate_periods_load_together(tmp_path: Path) -> None:
    copy_defaults(tmp_path)
    old = tmp_path / "credit_release.yaml"
    text = old.read_text()
    old.write_text(text.replace("effective_to: null", "effective_to: 2026-06-30"))
    new = text.replace("version: 1", "version: 2").replace("2026-01-01", "2026-07-01")
    (tmp_path / "credit_release_v2.yaml").write_text(new)

    book = load_dir(tmp_path)

    assert [r.version for r in book.versions("credit_release")] == [1, 2]


def test_check_of_a_missing_directory_is_a_report() -> None:
    (report,) = check_dir(Path("no-such-directory"))

    assert not report.ok
    assert "not a directory" in str(report)


def test_cli_check_exits_non_zero_on_a_refused_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(DEFAULT_DIR)]) == 0
    (tmp_path / "bad.yaml").write_text("ruleset: [\n")

    assert main(["check", str(tmp_path)]) == 1
    assert "FAILED bad.yaml: malformed YAML" in capsys.readouterr().out
