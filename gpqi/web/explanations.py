"""Plain-English explanations of the statistics the pages show, for the "What is this?" toggle
beside each one (`explain` in includes/parts.jinja) and gathered on the about page. One home for
the wording, so a page and the about page can never say different things."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Explanation:
    key: str  # the about page's anchor: /about/#explain-KEY
    title: str
    text: str


EXPLANATIONS: tuple[Explanation, ...] = (
    Explanation(
        "spc",
        "Statistical process control (SPC): is a change real?",
        "A practice's monthly values always wobble. An SPC chart draws the average (the black line) and "
        "process limits (the dashed lines) worked out from how much the values usually move from month to "
        "month. Points inside the limits are common cause variation: the normal wobble, not worth chasing. "
        "Special cause variation (coloured points) is a change unlikely to be chance: a point beyond a "
        "limit, seven points in a row rising or falling, seven in a row on one side of the average, or two "
        "of three close to a limit. Blue means a change for the better, orange for the worse. This is NHS "
        "England's 'Making Data Count' method.",
    ),
    Explanation(
        "assurance",
        "Assurance: will the target be met?",
        "Assurance compares the target with the SPC chart's process limits. If the target lies outside "
        "the limits on the good side of the whole range, the practice consistently passes it; outside on "
        "the bad side, it consistently fails it and will keep failing until something changes how the "
        "work is done. If the target is between the limits the practice will sometimes hit it and "
        "sometimes miss it by chance alone ('hit and miss').",
    ),
    Explanation(
        "funnel",
        "Funnel plot: different from the rest, allowing for size?",
        "Each dot is a practice: across, how many patients the indicator applies to; up, its value. The "
        "funnel lines show how far from the comparator a practice of that size can be by chance: wide for "
        "small practices, narrow for large ones. A practice outside the inner (95%) lines would be there "
        "by chance about 1 time in 20; outside the outer (99.8%) lines about 1 time in 500, so those are "
        "worth a look. Inside the funnel, the differences are no more than chance.",
    ),
    Explanation(
        "overdispersion",
        "Overdispersion: why the funnel can be wider than chance",
        "Practices differ for many reasons beyond chance (their populations, their recording). When they "
        "differ more than chance alone would allow, a plain funnel flags too many of them. The adjusted "
        "funnel (Spiegelhalter's method, the default here) measures that extra spread between practices "
        "and widens the limits by it, so only practices that stand out even allowing for it are flagged. "
        "Choose 'Wilson (no adjustment)' to see the limits for chance alone.",
    ),
    Explanation(
        "comparator",
        "Comparator: what practices are measured against",
        "The comparator is the figure for all practices with an agreement put together: all their "
        "patients who meet the indicator divided by all their patients it applies to (never an average "
        "of the practices' percentages, which would count a small practice as much as a large one). It "
        "is the middle line of the funnel plot and the dashed line of the league table.",
    ),
    Explanation(
        "confidence-interval",
        "95% confidence interval: how sure is a practice's figure?",
        "A practice with few patients can have a high or low value by chance. The interval (the line "
        "through each dot in the league table) shows the range the practice's underlying value is likely "
        "to be in. Where intervals overlap, the ranks between them mean little.",
    ),
    Explanation(
        "peers",
        "Peer median and quartiles",
        "Of all practices with an agreement, half are above the median and half below; a quarter are "
        "below the lower quartile and a quarter above the upper quartile. The grey band in the charts "
        "is the middle half of practices (lower to upper quartile). They are worked out from the rounded "
        "counts, and shown only when at least half of the practices (and at least 5) have counts large "
        "enough to show: otherwise the practices left would not be a fair picture.",
    ),
    Explanation(
        "opportunity",
        "Patients to reach: where there is most to gain",
        "How many more patients would need to meet the indicator (for a lower-is-better indicator such as "
        "did-not-attend, how many fewer missed appointments) for the practice to reach its goal, with the "
        "same number of patients: the target where the indicator has one, otherwise the value the best "
        "quarter of practices reach or beat (the upper quartile of practices with an agreement; the lower "
        "quartile where lower is better). 0 means the goal is reached. The home page lists the "
        "indicators with the most patients to reach first.",
    ),
    Explanation(
        "disclosure",
        "Disclosure control: why other practices' numbers are rounded",
        "So that no one can work out a small number of patients at another practice, counts of practices "
        "other than your own are rounded to the nearest {round_to} and counts of {redact_at_or_below} or "
        "fewer are not shown; their "
        "percentages, and every figure made from them (quartiles, comparators, network totals), are "
        "worked out from the rounded counts. Your own practice's figures are exact. Verdicts (outside "
        "the funnel, special cause, rank) are worked out once from the exact counts and are the same for "
        "everyone.",
    ),
    Explanation(
        "did-not-attend",
        "Did-not-attend rate",
        "The share of booked appointments the patient missed without letting the practice know. Lower is "
        "better: each missed appointment is one another patient could have had.",
    ),
)

BY_KEY = {e.key: e for e in EXPLANATIONS}


def explanation(key: str, round_to: int, redact_at_or_below: int) -> Explanation:
    """One explanation by its key, with the workspace's disclosure thresholds filled in (a
    KeyError names a key that does not exist: a template bug)."""
    e = BY_KEY[key]
    return Explanation(
        e.key, e.title, e.text.format(round_to=round_to, redact_at_or_below=redact_at_or_below)
    )


def all_explanations(round_to: int, redact_at_or_below: int) -> list[Explanation]:
    return [explanation(e.key, round_to, redact_at_or_below) for e in EXPLANATIONS]
