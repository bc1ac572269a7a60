"""Deterministic demo data for the districts, so the per-district batch runs end to end.

The source only has figures for the unit as a whole. This generator splits every unit
count, amount and weight (and fte) over the districts so that the districts add up
exactly to the unit's real figure, gives percentages a plausible spread around the
unit's value, and derives district targets and goal results. A figure that counts
districts ("2 of the 6 districts") belongs to the unit alone and is not split. Every generated row has source `demo`, and
every page that shows one says so. Same seed, same data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..analysis.goals import INCOMPARABLE, derived_status, linked, measured
from ..inputs import Dataset
from ..inputs.catalog import KEYS
from ..inputs.contract import columns
from ..inputs.sources import DEMO, DEMO_TITLE

# Relative size of the districts, used as the expected share of each count.
SHARES = {
    "rotterdam-stad": 0.24,
    "rotterdam-zuid": 0.18,
    "rijnmond-noord": 0.13,
    "rijnmond-oost": 0.13,
    "rijnmond-zuid-west": 0.14,
    "zuid-holland-zuid": 0.18,
}
PERCENT_SPREAD = 2.5  # standard deviation, in points, of a district around the unit
UNIT_ONLY = ("districts",)  # figures about the districts themselves ("2 of 6 districts"): never split
GENERATED = ("observations", "targets", "goals")  # claims are statements of a text: never generated
UNQUANTIFIED_STATUS = {"gerealiseerd": 0.5, "deels": 0.3, "niet": 0.1, "onbekend": 0.1}


def districts(data: Dataset) -> list[str]:
    return list(data.regions.loc[(data.regions["level"] == "district") & (data.regions["parent"] == data.unit), "id"])


def _weights(names: list[str], rng: np.random.Generator) -> np.ndarray:
    """One indicator's district shares: near the districts' sizes, stable across years."""
    return rng.dirichlet([SHARES.get(n, 1 / len(names)) * 200 for n in names])


def _split(total: float, names: list[str], weights: np.ndarray, rng: np.random.Generator) -> dict[str, float]:
    """Parts that add up exactly to total: whole numbers, or tenths when total is not whole (9,5 fte)."""
    step = 1 if float(total).is_integer() else 0.1
    parts = rng.multinomial(int(round(total / step)), weights)
    return dict(zip(names, (round(float(p) * step, 6) for p in parts)))


def _spread(value: float, rng: np.random.Generator) -> float:
    return float(np.clip(round(value + rng.normal(0, PERCENT_SPREAD), 1), 0, 100))


def observations(data: Dataset, rng: np.random.Generator) -> pd.DataFrame:
    """District observations for every unit observation (counts add up, percentages spread)."""
    names = districts(data)
    unit_of = data.indicators.set_index("id")["unit"]
    unit_rows = data.observations[data.observations["region"] == data.unit].sort_values(["indicator", "year"])
    unit_rows = unit_rows[~unit_rows["indicator"].map(unit_of).isin(UNIT_ONLY)]
    weights = {indicator: _weights(names, rng) for indicator in unit_rows["indicator"].unique()}
    rows = []
    for obs in unit_rows.itertuples():
        if unit_of[obs.indicator] == "percentage":
            values = {n: _spread(obs.value, rng) for n in names}
        else:
            values = _split(obs.value, names, weights[obs.indicator], rng)
        rows += [(obs.indicator, n, obs.year, v) for n, v in values.items()]
    frame = pd.DataFrame(rows, columns=["indicator", "region", "year", "value"])
    return frame.assign(qualifier=pd.NA, source=DEMO, location=pd.NA)


def targets(data: Dataset) -> pd.DataFrame:
    """District targets of the same kind as the unit's: counts by district size, norms unchanged.

    Sizing by the districts' expected shares, not their generated values, lets some
    districts miss a target the unit met, as real districts do.
    """
    unit_of = data.indicators.set_index("id")["unit"]
    names = districts(data)
    rows = []
    for target in data.targets[data.targets["region"] == data.unit].itertuples():
        for region in names:
            value = target.value
            if pd.notna(value) and unit_of[target.indicator] != "percentage":
                value = float(max(1, round(value * SHARES.get(region, 1 / len(names)))))
            rows.append((target.indicator, region, target.year, target.kind, value))
    frame = pd.DataFrame(rows, columns=["indicator", "region", "year", "kind", "value"])
    return frame.assign(published_realisation=pd.NA, source=DEMO)


def _demo_result(target: float, unit: str, rng: np.random.Generator) -> float:
    """A result near the target: sometimes met, sometimes not."""
    if unit == "percentage":
        return _spread(target * rng.uniform(0.8, 1.15), rng)
    return float(round(target * rng.uniform(0.5, 1.4)))


def goals(data: Dataset, obs: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The unit's goals of each year for every district, with demo results and statuses.

    A district gets the goals the unit had that year, and no others: no appendix in a year
    the unit had none, and a goal tied to one place (`place`) only for that place. A goal
    measured by indicators takes its result from the district's (demo) figures.
    """
    unit_goals = data.goals[data.goals["region"] == data.unit]
    frames = []
    for year, template in unit_goals.groupby("year", sort=True):
        for region in districts(data):
            here = template[template["place"].isna() | (template["place"] == region)]
            # generated numbers are neither stated by nor derived from a source
            frame = here.assign(year=year, region=region, source=DEMO, target_basis=pd.NA, result_basis=pd.NA,
                                basis_note=pd.NA, status_basis=pd.NA).reset_index(drop=True)
            incomparable = frame["status"] == INCOMPARABLE
            frame["status_note"] = frame["status_note"].where(incomparable)
            ids = linked(frame)
            quantified = frame["target_value"].notna() & frame["unit"].notna() & ~ids.map(bool)
            result = [_demo_result(t, u, rng) if q else np.nan
                      for t, u, q in zip(frame["target_value"], frame["unit"], quantified)]
            frame["result_value"] = frame["result_value"].where(~quantified, pd.Series(result, dtype=float))
            observed = obs[(obs["year"] == year) & (obs["region"] == region)].set_index("indicator")["value"]
            frame["results"] = measured(frame, observed)
            statuses = rng.choice(list(UNQUANTIFIED_STATUS), size=len(frame), p=list(UNQUANTIFIED_STATUS.values()))
            status = derived_status(frame).fillna(pd.Series(statuses, index=frame.index))
            frame["status"] = status.where(~incomparable, INCOMPARABLE)
            frames.append(frame.drop(columns="results"))
    if not frames:
        return data.goals.iloc[0:0]
    return pd.concat(frames, ignore_index=True)


def generate(data: Dataset, seed: int = 2019) -> dict[str, pd.DataFrame]:
    """The data tables with the demo rows replaced by freshly generated ones."""
    rng = np.random.default_rng(seed)
    real = {name: getattr(data, name) for name in GENERATED}
    real = {name: frame[frame["source"] != DEMO] for name, frame in real.items()}
    obs = _fill_gaps(real["observations"], observations(data, rng), list(KEYS["observations"]))
    sources = data.sources[data.sources["id"] != DEMO]
    demo_source = pd.DataFrame([{"id": DEMO, "title": DEMO_TITLE}], columns=columns("sources"))
    generated = {"targets": targets(data), "goals": goals(data, obs, rng)}
    return {"sources": pd.concat([sources, demo_source], ignore_index=True), "observations": obs} | {
        name: _fill_gaps(real[name], generated[name], list(KEYS[name])) for name in generated
    }


def _fill_gaps(real: pd.DataFrame, generated: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Real rows plus the generated rows for keys no real row (e.g. from CBS) already has."""
    taken = pd.MultiIndex.from_frame(real[key])
    fresh = generated[~pd.MultiIndex.from_frame(generated[key]).isin(taken)]
    return pd.concat([real, fresh], ignore_index=True)
