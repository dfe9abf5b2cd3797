"""Article metadata: dates read leniently into ISO 8601, refused with the value and a fix otherwise."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from stance.article.metadata import article_metadata, check_text_field, normalize_date
from stance.article.schema import AnalyzeRequest
from stance.errors import InputError

DATES = {
    "2024-03-21": "2024-03-21",
    " 2024-03-21 ": "2024-03-21",
    "2024-03-21T14:05:00Z": "2024-03-21T14:05:00+00:00",
    "2024-03-21T14:05:00+03:30": "2024-03-21T14:05:00+03:30",
    "2024-03-21 14:05": "2024-03-21T14:05:00",
    "21 March 2024": "2024-03-21",
    "March 21, 2024": "2024-03-21",
    "Thu, 21 Mar 2024 14:05:00 GMT": "2024-03-21T14:05:00+00:00",  # RSS
    "2024/03/21": "2024-03-21",
    "20240321": "2024-03-21",
    "03/04/2024": "2024-03-04",  # month first, as U.S. feeds write it
    "13/04/2024": "2024-04-13",  # a first number over 12 is the day
    "2024-03": "2024-03",
    "March 2024": "2024-03",
    "2024": "2024",
}
NOT_DATES = ["yesterday", "2024-13-01", "2024-02-30", "32 March 2024", "March 21", "0024", "3024", "hello 2024x"]


@pytest.mark.parametrize("text", sorted(DATES))
def test_common_date_forms_become_iso_8601_at_their_precision(text) -> None:
    assert normalize_date(text) == DATES[text]


@pytest.mark.parametrize("text", NOT_DATES)
def test_a_value_that_is_not_a_date_is_refused_with_the_value_and_a_fix(text) -> None:
    with pytest.raises(InputError, match=r"column 'published': .* is not a date I can read\. Fix: write the date as ISO 8601"):
        normalize_date(text, "column 'published'")


def test_absent_dates_and_python_dates() -> None:
    assert normalize_date(None) is None and normalize_date("  ") is None and normalize_date(float("nan")) is None
    assert normalize_date(dt.date(2020, 1, 3)) == "2020-01-03"
    assert normalize_date(dt.datetime(2020, 1, 3, 9, 30)) == "2020-01-03T09:30:00"
    with pytest.raises(InputError, match=r"expected a date as text, found int 20200103"):
        normalize_date(20200103)


def test_text_fields_and_columns() -> None:
    assert check_text_field("  VOA ", "source") == "VOA" and check_text_field("", "source") is None
    with pytest.raises(InputError, match=r"url: 2,001 characters, expected at most 2,000"):
        check_text_field("x" * 2001, "url")
    record = {"published": "21 March 2024", "outlet": "State", "url": "https://x.org", "title": None}
    assert article_metadata(record, {"date": "published", "source": "outlet"}) == {
        "date": "2024-03-21", "source": "State", "url": "https://x.org", "title": None}
    with pytest.raises(InputError, match=r"^column 'published': 'soon' is not a date"):
        article_metadata({"published": "soon"}, {"date": "published"})


def test_the_request_model_reads_the_date_and_refuses_a_bad_one() -> None:
    assert AnalyzeRequest(text="Iran.", date="21 March 2024").date == "2024-03-21"
    with pytest.raises(ValidationError, match=r"'soon' is not a date"):
        AnalyzeRequest(text="Iran.", date="soon")


def test_the_pages_corpus_upload_sends_the_metadata_with_each_article() -> None:
    from stance.web.corpus import read_upload

    content = ('{"id": "a", "text": "Iran praised Russia.", "date": "21 March 2024", "url": "https://x.org/a"}\n'
               '{"id": "b", "text": "Russia praised Iran.", "date": "soon"}\n')
    upload = read_upload("articles.jsonl", content)
    assert upload.articles == [{"id": "a", "text": "Iran praised Russia.", "date": "2024-03-21", "url": "https://x.org/a"}]
    assert upload.rejects == [{"row": 2, "error": "column 'date': 'soon' is not a date I can read. Fix: write the date "
                               "as ISO 8601 (2024-03-21, 2024-03-21T14:05:00Z, 2024-03 or 2024), or leave the cell "
                               "empty when the date is unknown."}]
