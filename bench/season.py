"""Season benchmarks: a 13-episode season planned whole from 1k, 10k and 100k films, exact against
heuristic, side by side in one run.

For each catalog size (random catalogs of `curation.testing.random_catalog`: Québec's regions
weighted as in its short-film output, Montréal most; films of 1 to 120 minutes; audiences,
languages and forms mixed; directors with several films), the season asked is 13 × 22 min
with at least 10 distinct Québec regions, no region above 25 % of the runtime, Montréal at
most 30 %, no director twice, one audience, one language and an animation in every two
episodes. Printed per method (exact: the mixed-integer model over candidate episodes, scipy
milp/HiGHS; heuristic: greedy then local search; auto: what `solve_season` picks):
  - seconds (the whole `solve_season`: candidates, model, ordering, bundles, labels);
  - the objective reached (higher is better; same candidates for both methods);
  - regions covered against the most any season of these rules could cover, computed by
    the exact model maximising regions alone (its proved bound when its time runs out);
  - season rules kept, re-checked with `check_season` (must be 100 %).
Target: 13 episodes from 100k films in under 10 s.

The second table times the exact model alone on growing sets of candidate episodes (drawn
from a 10k catalog seeded wider than `solve_season` seeds it), against the heuristic on the
same sets: what `EXACT_MAX_CANDIDATES` is set from.

Run: .venv/bin/python bench/season.py [--seeds 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

# The repository first: bench/curation.py would otherwise shadow the `curation` package.
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from curation import SlotRules  # noqa: E402
from curation import season as season_module  # noqa: E402
from curation.season import FormQuota, SeasonRules, check_season, solve_season  # noqa: E402
from curation.testing import random_catalog  # noqa: E402

RULES = SeasonRules(
    episode=SlotRules(slot_minutes=22),
    episodes=13,
    min_regions=10,
    max_region_share=0.25,
    montreal_max_share=0.30,
    form_quotas=(FormQuota("animation", 2),),
)
SIZES = (1_000, 10_000, 100_000)
METHODS = ("exact", "heuristic", "auto")


def one_run(n: int, seed: int, method: str) -> dict[str, float | int | bool | str]:
    films, vectors = random_catalog(n, seed)
    began = time.perf_counter()
    season = solve_season(films, vectors, RULES, method=method, time_limit=8.0)
    seconds = time.perf_counter() - began
    by_id = {f.id: f for f in films}
    kept = season.episodes and not check_season(
        [[by_id[i] for i in e.film_ids] for e in season.episodes], RULES
    )
    m = season.measures
    return {
        "seconds": seconds,
        "objective": season.objective,
        "optimal": season.optimal,
        "method": season.method,
        "found": bool(season.episodes),
        "kept": bool(kept),
        "regions": len(m.regions) if m else 0,
        "possible": (m.regions_possible or 0) if m else 0,
        "candidates": season.candidates,
    }


def seasons_table(seeds: int) -> None:
    print(
        "13 × 22 min, ≥ 10 regions, region ≤ 25 %, Montréal ≤ 30 %, animation every 2 episodes; "
        f"mean over {seeds} random catalogs per size"
    )
    head = (
        f"{'films':>6} {'method':>9} {'seconds':>8} {'max s':>6} {'objective':>9} "
        f"{'optimal':>7} {'regions':>7} {'possible':>8} {'found':>5} {'kept':>6} {'cands':>6}"
    )
    print(head)
    print("-" * len(head))
    for n in SIZES:
        for method in METHODS:
            runs = [one_run(n, seed, method) for seed in range(seeds)]
            found = [r for r in runs if r["found"]]
            seconds = [float(r["seconds"]) for r in runs]
            kept = sum(bool(r["kept"]) for r in found) / len(found) if found else float("nan")
            used = "/".join(sorted({str(r["method"]) for r in runs}))
            label = method if method != "auto" else f"auto→{used[:5]}"
            print(
                f"{n:>6} {label:>9} {np.mean(seconds):>8.2f} {max(seconds):>6.2f} "
                f"{np.mean([float(r['objective']) for r in found] or [0]):>9.2f} "
                f"{sum(bool(r['optimal']) for r in runs):>5}/{len(runs)} "
                f"{np.mean([int(r['regions']) for r in found] or [0]):>7.1f} "
                f"{np.mean([int(r['possible']) for r in found] or [0]):>8.1f} "
                f"{len(found):>3}/{len(runs)} {kept:>6.0%} "
                f"{np.mean([int(r['candidates']) for r in runs]):>6.0f}"
            )


def model_table() -> None:
    print("\nThe exact model alone against the heuristic, on growing sets of candidate episodes")
    films, vectors = random_catalog(10_000, 0)
    saved = season_module.SEEDS_MAX
    season_module.SEEDS_MAX = 6_000
    try:
        solver = season_module._Solver(films, vectors, RULES, None, (), (), 20.0, 0)
        variant = solver.variants()[0]
    finally:
        season_module.SEEDS_MAX = saved
    every = variant.cands
    rng = np.random.default_rng(0)
    head = (
        f"{'cands':>6} {'exact s':>8} {'objective':>9} {'optimal':>7} {'heur. s':>8} "
        f"{'objective':>9}"
    )
    print(head)
    print("-" * len(head))
    for size in (2_000, 5_000, 10_000, 20_000):
        if size > len(every):
            break
        cands = [every[i] for i in sorted(rng.choice(len(every), size, replace=False))]
        began = time.perf_counter()
        chosen, optimal, _ = solver.exact(cands, time_limit=20.0)
        exact_s = time.perf_counter() - began
        began = time.perf_counter()
        found = solver.heuristic(cands, deadline=time.monotonic() + 20.0)
        heur_s = time.perf_counter() - began
        print(
            f"{size:>6} {exact_s:>8.2f} "
            f"{solver.objective(chosen) if chosen else float('nan'):>9.2f} {optimal!s:>7} "
            f"{heur_s:>8.2f} {solver.objective(found) if found else float('nan'):>9.2f}"
        )
    print(
        f"({len(every)} candidates in all; solve_season's auto: exact up to "
        f"{season_module.EXACT_MAX_CANDIDATES})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seeds", type=int, default=3, help="Random catalogs per size.")
    parser.add_argument("--skip-model", action="store_true", help="Only the seasons table.")
    args = parser.parse_args()
    seasons_table(args.seeds)
    if not args.skip_model:
        model_table()


if __name__ == "__main__":
    main()
