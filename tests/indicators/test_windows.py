"""Reading an indicator's season from its definition."""

from __future__ import annotations

from gpqi.indicators import load_library
from gpqi.indicators.windows import season_start


def test_season_start_is_read_from_the_definition():
    library = {ind.id: ind for ind in load_library()}
    assert season_start(library["flu-65"]) == (9, 1)
    assert season_start(library["dm-bp"]) is None
    assert season_start(library["dna-all"]) is None
