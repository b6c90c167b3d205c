from __future__ import annotations

import pytest

from cxhub.identity.normalize import IdentifierError, identifier_type, normalize_identifier


@pytest.mark.parametrize(
    "raw",
    ["347 123 4567", "+39 347 1234567", "0039-347-123-4567", "(347) 123.4567", "+393471234567", " 3471234567 "],
)
def test_italian_mobiles_in_any_format_become_e164(raw: str) -> None:
    assert normalize_identifier("phone", raw, region="IT") == "+393471234567"


def test_default_region_decides_national_numbers() -> None:
    assert normalize_identifier("phone", "020 7946 0958", region="GB") == "+442079460958"
    assert normalize_identifier("phone", "02 1234 5678", region="IT") == "+390212345678"


@pytest.mark.parametrize("raw", ["12", "not a phone", "+39 000"])
def test_impossible_phones_are_refused(raw: str) -> None:
    with pytest.raises(IdentifierError):
        normalize_identifier("phone", raw, region="IT")


def test_emails_are_validated_and_lower_cased() -> None:
    assert normalize_identifier("email", "  Anna.Rossi@Example.IT ", region="IT") == "anna.rossi@example.it"
    for bad in ("anna", "anna@", "@example.it", "anna rossi@example.it"):
        with pytest.raises(IdentifierError):
            normalize_identifier("email", bad, region="IT")


def test_ids_are_trimmed_and_crm_loyalty_ids_ignore_case() -> None:
    assert normalize_identifier("crm_id", " crm-0001 ", region="IT") == "CRM-0001"
    assert normalize_identifier("loyalty_id", "ly-12", region="IT") == "LY-12"
    assert normalize_identifier("device_id", " AbC ", region="IT") == "AbC"
    assert normalize_identifier("fiscal_code", "x", region="IT") == "x"


def test_identifier_types_are_checked() -> None:
    assert identifier_type(" Email ") == "email"
    for bad in ("", "1abc", "with space", "x" * 40, "a:b"):
        with pytest.raises(IdentifierError):
            identifier_type(bad)
    with pytest.raises(IdentifierError):
        normalize_identifier("device_id", "   ", region="IT")


@pytest.mark.parametrize(
    "address",
    [
        "anna.rossi@example.it",
        "Anna.Rossi+promo@Mail.Example.CO.UK",
        "o'brien@example.ie",
        "a_b-c@sub-domain.example.com",
        "x@a.bc",
        "weird!#$%&'*+/=?^_`{|}~-@example.org",
        "x@foo.test",
        "x@host.local",
        "a..b@example.it",
        ".a@example.it",
        "a@-example.it",
        "a@example.123",
        "a" * 65 + "@example.it",
        "ünïcode@example.it",
        "a@xn--bcher-kva.example",
        "a@bücher.example",
    ],
)
def test_fast_email_path_agrees_with_email_validator(address: str) -> None:
    from email_validator import EmailNotValidError, validate_email

    from cxhub.identity.normalize import normalize_email

    try:
        expected: str | None = str(validate_email(address, check_deliverability=False).normalized).lower()
    except EmailNotValidError:
        expected = None
    try:
        got: str | None = normalize_email(address)
    except IdentifierError:
        got = None
    assert got == expected
