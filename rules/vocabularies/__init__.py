"""The vocabularies shipped with the service, by rule-set name."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from rules.vocabularies.collection import COLLECTION
from rules.vocabularies.credit_release import CREDIT_RELEASE
from rules.vocabularies.credit_review import CREDIT_REVIEW
from rules.vocabularies.invoice_exception import INVOICE_EXCEPTION
from rules.vocabularies.receipt_exception import RECEIPT_EXCEPTION
from rules.vocabularies.reconciliation_timing import RECONCILIATION_TIMING
from rules.vocabularies.return_credit import RETURN_CREDIT
from rules.vocabulary import Vocabulary

VOCABULARIES: Mapping[str, Vocabulary] = MappingProxyType(
    {
        vocabulary.name: vocabulary
        for vocabulary in (
            INVOICE_EXCEPTION,
            CREDIT_RELEASE,
            RETURN_CREDIT,
            RECEIPT_EXCEPTION,
            RECONCILIATION_TIMING,
            CREDIT_REVIEW,
            COLLECTION,
        )
    }
)
