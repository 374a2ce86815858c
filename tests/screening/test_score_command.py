"""`doolae score`: a counsellor checks a paper form by hand and gets the scores and bands as JSON."""

import json
import subprocess
import sys

from tests.conftest import ROOT


def score(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "backend.cli", "score", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def test_a_teacher_sdq_prints_scales_and_bands():
    # emotional items 3,8,13,16,24 ticked 2,2,2,0,0 → 6 (teacher: 5–10 problem); the rest not true, so
    # conduct = reversed item 7 ticked 0 → 2 (normal), hyperactivity = reversed 21 and 25 → 4 (normal),
    # peer = reversed 11 and 14 → 4 (normal), prosocial 0 → no strength; total 6+2+4+4 = 16 (teacher: 16–17 risk).
    answers = [0] * 25
    for item in (3, 8, 13):
        answers[item - 1] = 2
    done = score("sdq", "--informant", "teacher", "--answers", ",".join(map(str, answers)))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["instrument"], result["informant"]) == ("sdq", "teacher")
    assert result["scales"]["emotional"] == {"score": 6, "band": "problem"}
    assert result["scales"]["total"] == {"score": 16, "band": "risk"}
    assert result["scales"]["prosocial"] == {"score": 0, "band": "no_strength"}


def test_an_eq_prints_aspects_areas_and_total():
    done = score("eq", "--answers", ",".join(["3"] * 52))
    result = json.loads(done.stdout)
    assert result["instrument"] == "eq" and set(result["scales"]) >= {"self_control", "good", "smart", "happy",
                                                                       "total"}


def test_a_wrong_form_is_explained():
    done = score("sdq", "--answers", "0,1,2")
    assert done.returncode != 0 and "25" in done.stderr
