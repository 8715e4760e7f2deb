"""Which period a report covers: ``latest`` finds data, an ``at`` period without data or in
the future is refused unless ``allow_empty``, and dates beyond the calendar are one sentence."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

import analysis
from analysis.cli import cli
from analysis.errors import InvalidArgument, NotFound
from analysis.report import periods
from analysis.report.write import choose_period, write_report
from tests.conftest import writable_connection


@pytest.fixture
def sample(sample_db_path):
    con = analysis.connect(sample_db_path, read_only=True)
    yield con
    con.close()


@pytest.fixture
def writable_sample(sample_db_path, tmp_path):
    with writable_connection(sample_db_path, tmp_path) as con:
        yield con


def test_latest_keeps_the_last_complete_period_when_it_has_data(sample):
    period, sentence = choose_period(sample, kind="month", at=None, latest=True)
    assert period.label == "2016-12" and "last complete month" in sentence


def test_latest_skips_complete_periods_without_data(writable_sample):
    con = writable_sample
    # by publication date the data then reach Monday 2022-10-31, whose week has only begun, and
    # the week before it (2022-W43) is empty: the last complete week with data is the one of 2019-03-05
    con.execute("DELETE FROM articles WHERE published_date BETWEEN DATE '2022-10-01' AND DATE '2022-10-30'")
    period, sentence = choose_period(con, kind="week", at=None, latest=True, basis="published")
    assert period.label == "2019-W10"
    assert "last complete week with data" in sentence and "up to 2022-W43, hold none" in sentence


def test_latest_is_the_unfinished_period_when_no_complete_one_has_data(writable_sample):
    con = writable_sample
    con.execute("DELETE FROM articles WHERE published_date < DATE '2022-10-31'")
    con.execute("DELETE FROM sightings")
    period, sentence = choose_period(con, kind="week", at=None, latest=True, basis="published")
    assert period.label == "2022-W44" and "is not complete" in sentence


def test_latest_skips_a_month_whose_articles_and_ticker_stopped(writable_sample, tmp_path):
    con = writable_sample
    # the crawl clock still reaches 2016-12-31, but nothing of December is left
    con.execute("DELETE FROM sightings WHERE CAST(seen_at AS DATE) >= DATE '2016-12-01'")
    con.execute("DELETE FROM articles WHERE published_date BETWEEN DATE '2016-12-01' AND DATE '2016-12-31'")
    written = write_report(con, tmp_path, kind="month", latest=True)
    assert written.period.label == "2016-11"
    assert not (tmp_path / "2016-12").exists()


def test_latest_with_a_filter_looks_for_that_filters_data(writable_sample):
    con = writable_sample
    # English articles and headlines stop in November: an English December report would be empty
    con.execute("DELETE FROM articles WHERE lang = 'en' AND published_date >= DATE '2016-12-01'")
    con.execute("""DELETE FROM sightings WHERE CAST(seen_at AS DATE) >= DATE '2016-12-01'
                   AND headline_id IN (SELECT headline_id FROM headlines WHERE lang = 'en')""")
    assert choose_period(con, kind="month", at=None, latest=True)[0].label == "2016-12"
    period, sentence = choose_period(con, kind="month", at=None, latest=True, langs=["en"])
    assert period.label == "2016-11" and "for languages en" in sentence


def test_latest_on_an_empty_database_is_not_found(fresh_db):
    with pytest.raises(NotFound, match="load some first"):
        choose_period(fresh_db, kind="week", at=None, latest=True)


def test_a_period_without_data_is_refused_unless_allowed(sample, tmp_path):
    with pytest.raises(NotFound, match="2018-W20 holds no articles or ticker headlines.*allow_empty=True"):
        write_report(sample, tmp_path, at="2018-05-15")
    assert not (tmp_path / "2018-W20").exists()
    with pytest.raises(NotFound, match="for outlets Le Monde"):
        write_report(sample, tmp_path, at="2016-W48", outlets=["Le Monde"])
    written = write_report(sample, tmp_path, at="2018-05-15", allow_empty=True)
    assert (written.folder / "index.html").exists()


def test_a_future_period_is_refused_even_when_empty_is_allowed(sample, tmp_path):
    for options in ({}, {"allow_empty": True}):
        with pytest.raises(NotFound, match="2030-W01 has not begun"):
            write_report(sample, tmp_path, at="2030-01-01", **options)
    assert not (tmp_path / "2030-W01").exists() and not list(tmp_path.iterdir())
    with pytest.raises(NotFound, match="has not begun"):
        choose_period(sample, kind="month", at="2016-12", latest=False, today=dt.date(2016, 11, 30))


@pytest.mark.parametrize("kind", ["week", "month"])
def test_days_beyond_the_calendar_are_one_sentence(kind):
    with pytest.raises(InvalidArgument, match="outside the calendar"):
        periods.parse_at(kind, "9999-12-31")
    with pytest.raises(InvalidArgument, match="outside the calendar"):
        periods.parse_at(kind, "0001-01-01")


def test_cli_at_the_end_of_the_calendar_exits_2_without_a_traceback(sample_db_path, tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(sample_db_path), "report", "--at", "9999-12-31",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 2 and "outside the calendar" in result.output
    assert "Traceback" not in result.output and not list(tmp_path.iterdir())


@pytest.mark.parametrize("args, message", [
    (["--at", "2030-01-01"], "2030-W01 has not begun"),
    (["--at", "2018-05-15"], "2018-W20 holds no articles or ticker headlines"),
])
def test_cli_refuses_a_report_without_data_with_exit_2(sample_db_path, tmp_path, args, message):
    result = CliRunner().invoke(cli, ["--db", str(sample_db_path), "report", *args, "--out", str(tmp_path)])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert not list(tmp_path.iterdir())


def test_cli_refuses_an_empty_period_and_names_the_flag_that_allows_it(sample_db_path, tmp_path):
    runner = CliRunner()
    refused = runner.invoke(cli, ["report", "--db", str(sample_db_path), "--at", "2018-05-15", "--out", str(tmp_path)])
    assert refused.exit_code == 2 and "--allow-empty" in refused.output and "allow_empty" not in refused.output
    assert not list(tmp_path.iterdir())
    allowed = runner.invoke(cli, ["report", "--db", str(sample_db_path), "--at", "2018-05-15", "--allow-empty",
                                  "--out", str(tmp_path)])
    assert allowed.exit_code == 0, allowed.output
    assert (tmp_path / "2018-W20" / "index.html").exists()
