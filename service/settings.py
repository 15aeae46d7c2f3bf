"""The one settings object: config/defaults.toml, an optional deployment file, O2C_* variables.

Nothing else in the service reads the environment. A bad value stops start-up with a message
naming the setting (see `load_settings`).
"""

from __future__ import annotations

import difflib
import itertools
import os
import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from pydantic_settings import SettingsError as SourceError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from service.schemas import TaxNumber

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULTS_FILE = PROJECT_ROOT / "config" / "defaults.toml"


# An upper bound of a receivables ageing bucket, in days (a whole number, not 30.5 nor "30").
AgeingDays = Annotated[int, Field(strict=True, ge=1, le=3650)]
# A customer grade as settings name it (A, B, C...).
GradeName = Annotated[str, Field(min_length=1, max_length=8, pattern=r"^[A-Z0-9]+$")]
# A bearer token Prometheus sends for /metrics (RFC 6750's token68 characters and more).
METRICS_TOKEN = re.compile(r"[\x21-\x7e]{16,256}")


@dataclass(frozen=True)
class Seller:
    """Our company as its printouts name it (invoices, statements, statements of account): the
    settings a deployment gives, empty until it does (the printouts then leave them blank)."""

    name: str
    tax_no: str
    address: str


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it."""


class Settings(BaseSettings):
    """Validated service settings; defaults live in config/defaults.toml."""

    model_config = SettingsConfigDict(env_prefix="O2C_", extra="forbid", frozen=True)

    database_url: str
    timezone: str
    order_max_lines: int = Field(ge=1, le=100)
    invoice_max_lines: int = Field(ge=1, le=100)
    demo: bool
    host: str
    port: int = Field(ge=1, le=65535)
    # Server processes (`o2c serve --workers`); more than one needs PostgreSQL.
    workers: int = Field(ge=1, le=64)
    # On SIGTERM/SIGINT: seconds the requests in flight are given to finish.
    shutdown_grace_seconds: int = Field(ge=1, le=3600)
    # Connections a server process keeps open (and 10 more at a peak, closed after).
    database_pool_size: int = Field(ge=1, le=200)
    metrics_enabled: bool
    # Empty: /metrics answers without a token; otherwise only `Authorization: Bearer <it>`.
    metrics_token: SecretStr
    scheduler_enabled: bool
    scheduler_interval_seconds: int = Field(ge=5, le=86400)
    scheduler_lease_seconds: int = Field(ge=3, le=3600)
    max_attachment_bytes: int = Field(ge=1024)
    workflows_dir: str
    rules_dir: str
    rules_reload_seconds: int = Field(ge=0, le=3600)
    session_hours: int = Field(ge=1, le=720)
    log_level: Literal["critical", "error", "warning", "info", "debug"]
    log_format: Literal["text", "json"]
    seller_name: str = Field(max_length=100)
    seller_tax_no: TaxNumber
    seller_address: str = Field(max_length=200)
    receipt_exception_overdue_working_days: int = Field(ge=1, le=60)
    # R27/R28: how many days ahead of its end a contract or a power of attorney raises a task.
    contract_expiry_alert_days: int = Field(ge=1, le=365)
    attorney_expiry_alert_days: int = Field(ge=1, le=365)
    # R32: the day of the month from which the scheduler reviews customers' credit.
    credit_review_day: int = Field(ge=1, le=28)
    calendar_dir: str = Field(min_length=1, max_length=1000)
    # The receivables ageing's buckets: the upper bound in days of each but the last.
    ageing_buckets: tuple[AgeingDays, ...] = Field(min_length=1, max_length=10)
    # Collection (R30): a promise's grace in days, and the receivables' allowed age per grade.
    collection_promise_grace_days: int = Field(ge=0, le=60)
    collection_allowed_age_days: dict[GradeName, AgeingDays] = Field(min_length=1, max_length=10)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        files = [DEFAULTS_FILE]
        deployment = os.environ.get("O2C_CONFIG_FILE")
        if deployment:
            files.append(Path(deployment))
        # Later files override earlier ones; init arguments and the environment override files.
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=files),
        )

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL: {exc}") from None
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError("only sqlite:/// and postgresql+psycopg:// URLs are supported")
        return value

    @field_validator("metrics_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value()
        if token and not METRICS_TOKEN.fullmatch(token):
            raise ValueError(
                "empty, or 16 to 256 visible ASCII characters with no space (a long random string)"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("ageing_buckets")
    @classmethod
    def _ascending(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        for before, after in itertools.pairwise(value):
            if after <= before:
                raise ValueError(f"must ascend: {after} follows {before}")
        return value

    @cached_property
    def seller(self) -> Seller:
        return Seller(self.seller_name, self.seller_tax_no, self.seller_address)

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def calendar_path(self) -> Path:
        """The deployment's directory of working-day calendar years (relative: to the project)."""
        path = Path(self.calendar_dir)
        return path if path.is_absolute() else PROJECT_ROOT / path


def _unknown_variables() -> list[str]:
    """O2C_* variables that name no setting: a typo would otherwise be silently ignored.
    (O2C_TEST_* belongs to the test suite.)"""
    known = {f"O2C_{name.upper()}" for name in Settings.model_fields} | {"O2C_CONFIG_FILE"}
    found = []
    for name in sorted(os.environ):
        if name.startswith("O2C_") and name not in known and not name.startswith("O2C_TEST_"):
            close = difflib.get_close_matches(name, sorted(known), n=1)
            found.append(f"{name}" + (f" (did you mean {close[0]}?)" if close else ""))
    return found


def _source_of(name: str) -> str:
    """Where a setting's value comes from: its variable, the deployment file or the defaults."""
    env = f"O2C_{name.upper()}"
    if env in os.environ:
        return f"environment variable {env}"
    deployment = os.environ.get("O2C_CONFIG_FILE")
    if deployment:
        try:
            if name in tomllib.loads(Path(deployment).read_text(encoding="utf-8")):
                return deployment
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
            pass
    return str(DEFAULTS_FILE)


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning validation errors into one message naming each bad setting
    and where its value comes from."""
    unknown = _unknown_variables()
    if unknown:
        raise SettingsError(f"unknown setting variable(s): {', '.join(unknown)}")
    if "O2C_CONFIG_FILE" in os.environ and not Path(os.environ["O2C_CONFIG_FILE"]).is_file():
        raise SettingsError(f"O2C_CONFIG_FILE: no such file {os.environ['O2C_CONFIG_FILE']!r}")
    for path in (DEFAULTS_FILE, Path(os.environ.get("O2C_CONFIG_FILE") or DEFAULTS_FILE)):
        try:
            tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
            raise SettingsError(f"{path}: not a readable TOML settings file: {exc}") from None
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except SourceError as exc:  # a variable that is not the JSON a list setting needs
        found = re.search(r'field "(\w+)"', str(exc))
        name = found.group(1) if found else "settings"
        raise SettingsError(
            f"invalid setting O2C_{name.upper()} ({name}): not JSON, write a list as "
            f"[30, 60, 90] (in {_source_of(name)})"
        ) from None
    except ValidationError as exc:
        problems: dict[str, str] = {}
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "settings"
            where = "" if name in overrides else f" (in {_source_of(name)})"
            shown = ".".join(str(part) for part in error["loc"]) or name
            # The first reason per setting: a bad list item also fails the list's own bounds.
            problems.setdefault(
                name, f"invalid setting O2C_{name.upper()} ({shown}): {error['msg']}{where}"
            )
        raise SettingsError("; ".join(problems.values())) from None
