"""The Acumatica chaos report's session ledger: how it tells sessions accounted for from sessions left open."""

from __future__ import annotations

from scripts.chaos_acumatica import session_ledger, session_problems


def sessions(logins=0, logouts=0, forced_expiries=0, expired_sessions=0, open_sessions=0) -> dict[str, int]:
    return {"logins": logins, "logouts": logouts, "forced_expiries": forced_expiries,
            "expired_sessions": expired_sessions, "open_sessions": open_sessions}


def logs(tmp_path, *texts: str) -> list:
    paths = []
    for index, text in enumerate(texts, start=1):
        path = tmp_path / f"run{index}.log"
        path.write_text(text)
        paths.append(path)
    return paths


LOST_LOGIN = "Acumatica GET SalesOrder: transient failure (Acumatica login: ReadTimeout); retry 2/10 in 0.02s\n"
RELOGIN = "Acumatica PUT SalesOrder: session expired (401); logging in again\n"


def test_a_run_whose_sessions_all_ended_has_no_problem(tmp_path):
    # 8 logins: 3 logouts, 2 forced expiries (re-logged in), 1 recycled, and 2 expired idle: the killed run's
    # session and one whose login answer run 1 never got.
    ledger = session_ledger(sessions(open_sessions=2), sessions(expired_sessions=2), sessions(expired_sessions=2),
                            sessions(8, 3, 2, 2, 0), {"sessions_ended": 1},
                            logs(tmp_path, LOST_LOGIN + RELOGIN, RELOGIN + RELOGIN))
    assert (ledger["killed_run_sessions"], ledger["login_answers_lost"], ledger["relogins"]) == (1, [1, 0], 3)
    assert session_problems(ledger) == []


def test_a_session_run_2_left_open_without_a_lost_login_answer_is_a_problem(tmp_path):
    ledger = session_ledger(sessions(open_sessions=1), sessions(expired_sessions=1),
                            sessions(expired_sessions=1, open_sessions=1), sessions(6, 3, 1, 2, 0),
                            {"sessions_ended": 0}, logs(tmp_path, "", ""))
    assert any("sessions open after run 2" in problem for problem in session_problems(ledger))


def test_a_login_no_logout_or_expiry_accounts_for_is_a_problem(tmp_path):
    ledger = session_ledger(sessions(open_sessions=1), sessions(expired_sessions=1), sessions(expired_sessions=1),
                            sessions(5, 3, 0, 1, 0), {"sessions_ended": 0}, logs(tmp_path, "", ""))
    assert session_problems(ledger) == ["5 logins but 4 sessions ended (logouts, forced expiries, recycle, idle "
                                        "timeouts)"]
