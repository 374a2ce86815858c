"""Each test starts with no term's figures remembered (supervision.figures keeps those of terms that are over)."""

import pytest

from backend.supervision import figures


@pytest.fixture(autouse=True)
def no_figures_remembered():
    figures.forget()
    yield
    figures.forget()
