"""Small-cell suppression with complementary suppression, for one partition and its total.

A partition is a set of cells (groups of respondents, e.g. the comuni of one round) whose
counts add up to a published total. The rule, applied by :func:`suppress_cells`:

1. *primary*: a cell with fewer than ``min_cell`` (5) respondents is suppressed;
2. *complementary*: while the suppressed cells could still be recovered from the total minus
   the published cells, the smallest published cell is suppressed too (ties: first in the
   given order). "Could be recovered" means any of:

   * exactly one cell is suppressed (total - published = that cell);
   * the suppressed cells together hold fewer than ``min_cell`` respondents (their pooled
     count and pooled scores would describe fewer than 5 people);
   * they hold no more respondents than there are suppressed cells (each then has at most
     one, and a listed group has at least one: every value would be known);

3. *total*: when the total itself is below ``min_cell`` everything is suppressed.

The same rule protects score tables: the cells are then the respondents with a valid score
per group, and a group suppressed in the count table starts out suppressed (*group*).
Suppressed cells should all be shown with the same mark: telling primary from
complementary cells would tell which ones are below 5.

What this guarantees (and the tests check, by linear programming over all the published
tables of a breakdown): no arithmetic on published cells and totals pins down a suppressed
cell, and what is hidden is always pooled over at least ``min_cell`` respondents in at
least two groups. What it does not hide: that a suppressed group is small. Someone who also
knows this rule (smallest cells are suppressed first) can sometimes narrow a suppressed
*count* to one or two values: with cells of 6, 6 and 4 one 6 is published and the other
two hide 10 together, which under this rule can only be 4 + 6. The answers of those
respondents stay pooled.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

MIN_CELL = 5
PRIMARY = "primary"
COMPLEMENTARY = "complementary"
GROUP = "group"
TOTAL = "total"


def reasons(min_cell: int = MIN_CELL) -> dict[str, str]:
    """Return the Italian explanation of each suppression rule."""
    return {
        PRIMARY: f"meno di {min_cell} rispondenti",
        COMPLEMENTARY: "soppressione complementare: altrimenti una cella soppressa si potrebbe "
                       "ricavare per differenza dal totale",
        GROUP: "gruppo soppresso nella tabella dei rispondenti",
        TOTAL: f"il totale ha meno di {min_cell} rispondenti",
    }


def suppress_cells(counts: Mapping[Hashable, int], min_cell: int = MIN_CELL,
                   already: Mapping[Hashable, str] | None = None,
                   ) -> tuple[dict[Hashable, str], bool]:
    """Return the cells to suppress (cell -> rule) and whether the total must be hidden too.

    :param counts: the count of every cell of the partition (their sum is the total).
    :param already: cells suppressed by an earlier table, with their rule; they count as
        suppressed here as well.
    """
    if sum(counts.values()) < min_cell:
        return {cell: TOTAL for cell in counts}, True
    suppressed = dict(already or {})
    suppressed |= {cell: PRIMARY for cell, n in counts.items()
                   if n < min_cell and cell not in suppressed}
    published = sorted((cell for cell in counts if cell not in suppressed),
                       key=lambda cell: counts[cell])  # stable: ties keep the given order
    while suppressed and published and _recoverable(suppressed, counts, min_cell):
        suppressed[published.pop(0)] = COMPLEMENTARY
    return suppressed, False


def _recoverable(suppressed: Mapping[Hashable, str], counts: Mapping[Hashable, int],
                 min_cell: int) -> bool:
    hidden = sum(counts[cell] for cell in suppressed)
    return len(suppressed) == 1 or hidden < min_cell or hidden <= len(suppressed)
