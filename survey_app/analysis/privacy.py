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

Several partitions of the same respondents (one round broken down by comune, by service,
by role and by distribution point, each with the same total; a filter view is a cell of
one of them) leak more than each alone: "beneficiari" (25) minus "Lovere" (24) describes
one person if Lovere's 24 are all beneficiari. :func:`suppress_partitions` adds the rule
*difference* on top of the one above:

4. *difference*: two published groups of different partitions whose *symmetric difference*
   holds 1 to ``min_cell - 1`` respondents are not both published. For nested groups
   A ⊂ B that difference is B - A, whose count and pooled scores are |B| x mean(B) -
   |A| x mean(A); for overlapping groups the same subtraction gives the scores of the few in
   A only minus those of the few in B only, which is no safer (one of them may be empty, or
   known). The groups compared are what a reader can form from each published partition:
   every published cell c, its complement (total - c), the pool of its suppressed cells
   (total - all published cells) and the total. Sizes of intersections come from the
   partitions' cross counts, never from the people themselves, so the audit costs
   (cells x cells) per pair of partitions.
   When a pair is too close, the smallest published cell behind it is suppressed, rules 1-3
   run again on its partition (it may need a complementary cell) and the audit starts
   over, until no pair of published groups differs by 1 to 4 people. The total is never
   the one suppressed: rules 1-3 already keep every complement at 0 or >= ``min_cell``.

What the difference rule does not cover: combinations of three or more groups of
different partitions (e.g. (A ∪ B) - C across three breakdowns), and scores of different
items or dimensions combined with each other; breakdowns are one-way, and the pages never
publish cross tables, which would need an optimiser.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

MIN_CELL = 5
PRIMARY = "primary"
COMPLEMENTARY = "complementary"
GROUP = "group"
TOTAL = "total"
DIFFERENCE = "difference"


def reasons(min_cell: int = MIN_CELL) -> dict[str, str]:
    """Return the Italian explanation of each suppression rule."""
    return {
        PRIMARY: f"meno di {min_cell} rispondenti",
        COMPLEMENTARY: "soppressione complementare: altrimenti una cella soppressa si potrebbe "
                       "ricavare per differenza dal totale",
        GROUP: "gruppo soppresso nella tabella dei rispondenti",
        TOTAL: f"il totale ha meno di {min_cell} rispondenti",
        DIFFERENCE: f"soppressione complementare: altrimenti la differenza con un gruppo di "
                    f"un'altra suddivisione descriverebbe meno di {min_cell} rispondenti",
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


def suppress_partitions(labels: Mapping[Hashable, Sequence[Hashable]],
                        min_cell: int = MIN_CELL,
                        already: Mapping[Hashable, Mapping[Hashable, str]] | None = None,
                        cells: Mapping[Hashable, Sequence[Hashable]] | None = None,
                        ) -> dict[Hashable, tuple[dict[Hashable, str], bool]]:
    """Apply :func:`suppress_cells` to each partition and the *difference* rule across them.

    :param labels: per partition (e.g. ``"comune"``), the cell of every respondent; all
        partitions list the same respondents in the same order.
    :param already: per partition, cells suppressed by an earlier table, with their rule.
    :param cells: per partition, every cell in the order to use (default: the labels seen,
        sorted); a cell nobody is in counts as 0.
    :return: per partition, what :func:`suppress_cells` returns: (cell -> rule, whether the
        total is hidden).
    """
    partitions = {name: _Partition(np.asarray(values, dtype=object), (cells or {}).get(name))
                  for name, values in labels.items()}
    rules = {name: dict((already or {}).get(name, {})) for name in partitions}
    while True:
        result = {}
        for name, partition in partitions.items():
            result[name] = suppress_cells(partition.counts, min_cell, rules[name])
            rules[name] = result[name][0]
        if any(hidden for _, hidden in result.values()):
            return result  # one total: below min_cell everything is hidden everywhere
        for partition_rules, partition in zip(rules.values(), partitions.values()):
            partition.derive(partition_rules)
        clash = _closest_clash(list(partitions.items()), min_cell)
        if clash is None:
            return result
        name, cell = clash
        rules[name][cell] = DIFFERENCE


class _Partition:
    """One partition: its cells (sorted), each respondent's cell, and the groups one can form."""

    def __init__(self, values: np.ndarray, cells: Sequence[Hashable] | None):
        if cells is None:
            codes, labels = pd.factorize(values, sort=True, use_na_sentinel=False)
        else:
            labels = list(cells)
            codes = pd.Index(labels).get_indexer(values)
            if (codes < 0).any():
                raise ValueError("a respondent's cell is not among the partition's cells")
        self.codes = codes
        self.labels = list(labels)
        self.sizes = np.bincount(codes, minlength=len(self.labels)).astype(float)
        self.counts = dict(zip(self.labels, self.sizes.astype(int).tolist()))
        self.groups = np.zeros((0, len(self.labels)))
        self.origins: list[int | None] = []

    def derive(self, rules: Mapping[Hashable, str]) -> None:
        """Build the groups published or derivable: cells, complements, suppressed pool, total.

        ``groups`` is a (groups x cells) 0/1 matrix; ``origins`` the published cell whose
        suppression removes each group (``None`` for the total).
        """
        size = len(self.labels)
        published = [i for i, label in enumerate(self.labels) if label not in rules]
        rows, origins = [np.ones(size)], [None]
        for i in published:
            cell = np.eye(size)[i]
            rows += [cell, 1 - cell]
            origins += [i, i]
        if published and len(published) < size:
            rows.append(np.isin(np.arange(size), published, invert=True).astype(float))
            origins.append(min(published, key=lambda i: self.sizes[i]))
        self.groups = np.array(rows)
        self.origins = origins


def _closest_clash(partitions: list[tuple[Hashable, _Partition]],
                   min_cell: int) -> tuple[Hashable, Hashable] | None:
    """Return (partition, cell) to suppress next, or ``None`` when no two groups are too close.

    Among all pairs of groups of different partitions whose symmetric difference holds 1 to
    ``min_cell - 1`` people, the published cells behind them are candidates; the smallest
    (then the first partition, then the first cell) is chosen.
    """
    candidates = []
    for a, (_, first) in enumerate(partitions):
        for b in range(a + 1, len(partitions)):
            second = partitions[b][1]
            cross = np.zeros((len(first.labels), len(second.labels)))
            np.add.at(cross, (first.codes, second.codes), 1)
            common = first.groups @ cross @ second.groups.T
            apart = ((first.groups @ first.sizes)[:, None]
                     + (second.groups @ second.sizes)[None, :] - 2 * common)
            for i, j in zip(*np.nonzero((apart >= 1) & (apart < min_cell))):
                for index, partition, origin in ((a, first, first.origins[i]),
                                                 (b, second, second.origins[j])):
                    if origin is not None:
                        candidates.append((partition.sizes[origin], index, origin))
    if not candidates:
        return None
    _, index, origin = min(candidates)
    name, partition = partitions[index]
    return name, partition.labels[origin]
