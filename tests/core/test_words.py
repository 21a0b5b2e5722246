"""Choices in words (core.words.either), as the notices and the approvals inbox write them."""

import pytest

from core.words import either

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("labels", "words"),
    [
        (["Approve the pathway"], "approve the pathway"),
        (["Approve the grant", "Refuse the grant"], "approve the grant or refuse the grant"),
        (["Agree", "Refuse", "Return"], "agree, refuse or return"),
        (
            ["Close the case", "Close, leaving the unresolved items on the record", "Not ready to close"],
            "close the case; close, leaving the unresolved items on the record; or not ready to close",
        ),
        ([], ""),
    ],
)
def test_either_reads_as_the_end_of_a_sentence(labels, words):
    assert either(labels) == words
