"""Heavy-duty diesel NOx and PM against the EMEP/EEA guidebook's real-world (COPERT) equations.

EMEP/EEA air pollutant emission inventory guidebook 2019, 1.A.3.b.i-iv Road transport, Appendix 4
('Road Transport Appendix 4 Emission Factors 2019', sheet HOT_EMISSIONS_PARAMETERS): Tier 3 hot
exhaust factor EF(v) = (a v^2 + b v + c + d / v) / (e v^2 + f v + g) x (1 - RF) in g/km (energy
consumption EC in MJ/km), per vehicle segment, Euro standard and technology. The coefficients
below are the published ones for 'Heavy Duty Trucks / Diesel / Articulated 34 - 40 t', road slope
0 % and load 50 % (the guidebook's default heavy-duty load), as kept in the processed copy of the
table in github.com/rjakub999/eeval (data/wskazniki.rda); reduction factor RF = 0. keten's factor
is NOx (or PM) g/km divided by the same row's fuel use, EC / 42.70 MJ/kg (diesel_b7_eu LHV).

Diesel vans (keten-2026.3): the same table's 'Light Commercial Vehicles / Diesel / N1-III' rows for
'Euro 6 up to 2017' (Euro 6 a/b/c), 'Euro 6 2018-2020' (6d-temp) and 'Euro 6 2021+' (6d), whose
DPF, DPF+SCR and LNT+DPF rows are identical; reduction factor RF as published (negative where
the real-world emission exceeds the base curve); evaluated at 50 km/h.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from keten.factors import load_factor_set
from keten.model.enums import Pollutant

Coefficients = tuple[float, float, float, float, float, float, float]

# (alpha, beta, gamma, delta, epsilon, zita, hta) of the guidebook's rows
EURO_VI_DPF_SCR = {
    "EC": (0.036647708152387, 1.47602403844811, -5.16916695704522, 9.40758548521018,
           0.00589885917786991, -0.0160619049446513, 0.0582692905997641),
    "NOx": (-0.00116827791680151, 0.191544903256855, -1.73085226877611, 6.24261399941079,
            0.00903601709039711, -0.0616980281460011, 0.147016536244698),
    "PM": (0.00209317286195475, 0.195948097981652, 0.0375742165623175, 0.634415789119622,
           1.30210367087564, 0.461921730057963, 0.304557791609189),
}  # fmt: skip
EURO_V_SCR = {
    "EC": (0.0306636735347851, 1.2993266161385, -4.61761526403152, 7.99579475461929,
           0.00511339128093664, -0.0132967338285701, 0.0429422524290575),
    "NOx": (-0.00683675184680732, 0.916410772496903, -1.08935613020913, 1.87867319444777,
            0.00290403980256875, 0.00775201996202897, 1.09916266734202e-13),
    "PM": (0.00481892239788542, 0.348296166100937, -1.31714401359591, 1.61913872074718,
           0.239748032870931, -0.621906907985132, 0.981289626833315),
}  # fmt: skip
SPEED_KMH = 80.0  # motorway, long haul
VAN_SPEED_KMH = 50.0  # urban and regional delivery
VAN_EC = (1.22624979780772e-05, 0.0606753136578384, 4.1907611480648, 2.91223338162501,
          -0.00030762529497547, 0.0612139999069893, 0.365924626015009)
VAN_PM = (0.000909121175645921, 0.0383533822365834, -0.0147549741074379, 0.0536943840955258,
          1.53581101401511, 0.552018791296464, 0.339110292097343)
VAN_NOX_6D = (8.156e-06, -0.0016273812, 0.0970649766, 0.6502053515, 5.71538e-05,
              -0.0144616896, 1.0)
# (NOx coefficients, reduction factor RF) per sub-class, N1-III diesel
VAN_NOX = {
    "euro_6_abc": ((1.53887e-05, -0.0030705311, 0.183141472, 1.2268025198, 5.71538e-05,
                    -0.0144616914, 1.0), -3.09436964740999),
    "euro_6d_temp": (VAN_NOX_6D, -1.75298769844539),
    "euro_6d": (VAN_NOX_6D, 0.282175246033546),
}  # fmt: skip
DIESEL_MJ_PER_KG = 35.7 / 0.836  # diesel_b7_eu: 35.7 MJ/l, 0.836 kg/l


def copert_ef(c: Coefficients, v: float) -> float:
    a, b, g, d, e, z, h = c
    return (a * v * v + b * v + g + d / v) / (e * v * v + z * v + h)


def g_per_kg_fuel(rows: dict[str, Coefficients], pollutant: str) -> float:
    kg_fuel_per_km = copert_ef(rows["EC"], SPEED_KMH) / DIESEL_MJ_PER_KG
    return copert_ef(rows[pollutant], SPEED_KMH) / kg_fuel_per_km


@pytest.mark.parametrize(
    ("family", "standard", "rows"),
    [("diesel", "euro_vi", EURO_VI_DPF_SCR), ("diesel", "euro_v", EURO_V_SCR)],
)
def test_heavy_duty_factors_are_the_guidebooks_real_world_values(
    family: str, standard: str, rows: dict[str, Coefficients]
) -> None:
    fs = load_factor_set()
    for pollutant, key in ((Pollutant.NOX, "NOx"), (Pollutant.PM, "PM")):
        got = fs.pollutant_g_per_kg_fuel(family, standard, pollutant)
        assert got is not None
        assert float(got) == pytest.approx(g_per_kg_fuel(rows, key), rel=2e-3), (standard, key)
        row = next(
            f
            for f in fs.pollutant_factors.values()
            if (f.fuel_family, f.emission_standard, f.pollutant) == (family, standard, key.lower())
        )
        assert "EMEP/EEA" in row.source and row.edition == "2019" and row.status == "derived"


def test_euro_vi_is_no_longer_the_type_approval_limit() -> None:
    # Regulation (EC) No 595/2009: 0.46 g/kWh WHTC; keten-2026.1 used 0.46 / 0.200 = 2.30 g/kg
    new = load_factor_set().pollutant_g_per_kg_fuel("diesel", "euro_vi", Pollutant.NOX)
    old = load_factor_set("keten-2026.1").pollutant_g_per_kg_fuel(
        "diesel", "euro_vi", Pollutant.NOX
    )
    assert old == Decimal("2.300") and new == Decimal("0.524")
    # the guidebook's own sanity: real-world Euro V NOx per km is > 10x Euro VI at 80 km/h
    ratio = copert_ef(EURO_V_SCR["NOx"], 80) / copert_ef(EURO_VI_DPF_SCR["NOx"], 80)
    assert ratio > 10
    # and urban driving emits more per kg fuel than motorway driving (50 vs 80 km/h)
    urban = copert_ef(EURO_VI_DPF_SCR["NOx"], 50) / copert_ef(EURO_VI_DPF_SCR["EC"], 50)
    motorway = copert_ef(EURO_VI_DPF_SCR["NOx"], 80) / copert_ef(EURO_VI_DPF_SCR["EC"], 80)
    assert urban > motorway


def test_an_euro_vi_artic_toc_emits_the_guidebooks_nox_per_km_of_fuel_burnt() -> None:
    # road_artic_40t_diesel: kg fuel per tkm from its energy use; NOx = kg fuel x 0.524 g/kg
    fs = load_factor_set()
    toc = fs.toc("road_artic_40t_diesel")
    assert toc.energy_mj_per_unit is not None and toc.nox_g_per_unit is not None
    kg_fuel_per_tkm = float(toc.energy_mj_per_unit) / DIESEL_MJ_PER_KG
    expected = kg_fuel_per_tkm * g_per_kg_fuel(EURO_VI_DPF_SCR, "NOx")
    assert float(toc.nox_g_per_unit) == pytest.approx(expected, rel=2e-3)


def test_rows_still_on_type_approval_limits_say_so() -> None:
    for f in load_factor_set().pollutant_factors.values():
        assert f.status in ("published", "derived") and f.edition, f.factor_id
        on_limit = f.emission_standard in ("euro_vi", "euro_6") and "EMEP/EEA" not in f.source
        if f.pollutant in ("nox", "pm") and on_limit:
            assert "type-approval limit" in f.note.lower(), f.factor_id


def van_g_per_kg(coefficients: Coefficients, reduction: float = 0.0) -> float:
    kg_fuel_per_km = copert_ef(VAN_EC, VAN_SPEED_KMH) / DIESEL_MJ_PER_KG
    return copert_ef(coefficients, VAN_SPEED_KMH) * (1 - reduction) / kg_fuel_per_km


@pytest.mark.parametrize("standard", list(VAN_NOX))
def test_euro_6_van_subclasses_are_the_guidebooks_real_world_values(standard: str) -> None:
    fs = load_factor_set()
    coefficients, rf = VAN_NOX[standard]
    nox = fs.pollutant_g_per_kg_fuel("diesel", standard, Pollutant.NOX)
    pm = fs.pollutant_g_per_kg_fuel("diesel", standard, Pollutant.PM)
    assert nox is not None and pm is not None
    assert float(nox) == pytest.approx(van_g_per_kg(coefficients, rf), rel=5e-4)  # 3 decimals
    assert float(pm) == pytest.approx(van_g_per_kg(VAN_PM), abs=5e-5)  # 4 decimals
    row = fs.pollutant_factors[f"diesel_{standard}_nox"]
    assert "N1-III" in row.source and row.edition == "2019" and row.status == "derived"


def test_plain_euro_6_takes_the_conservative_subclass_and_a_toc_can_pick_another() -> None:
    fs = load_factor_set()
    plain, abc, d = (fs.pollutant_g_per_kg_fuel("diesel", s, Pollutant.NOX)
                     for s in ("euro_6", "euro_6_abc", "euro_6d"))
    assert plain == abc and d is not None and abc is not None and d < abc
    # the guidebook's order: later Euro 6 steps emit less NOx in real driving
    assert van_g_per_kg(*VAN_NOX["euro_6_abc"]) > van_g_per_kg(*VAN_NOX["euro_6d_temp"]) > (
        van_g_per_kg(*VAN_NOX["euro_6d"]))
    # a user's TOC names its sub-class in emission_standard: NOx = kg fuel x that factor
    van = fs.toc("road_van_diesel")
    assert van.energy_mj_per_unit is not None and van.nox_g_per_unit is not None
    kg_fuel = float(van.energy_mj_per_unit) / DIESEL_MJ_PER_KG
    assert float(van.nox_g_per_unit) == pytest.approx(kg_fuel * float(abc), rel=1e-9)
    nox_6d = fs.pollutant_intensities("diesel_b7_eu", "euro_6d", van.co2e_ttw_kg_per_unit,
                                      van.co2e_wtw_kg_per_unit)[Pollutant.NOX]
    assert nox_6d is not None and float(nox_6d) == pytest.approx(kg_fuel * float(d), rel=1e-9)
    # keten-2026.2 still reads the type-approval limit
    old = load_factor_set("keten-2026.2").pollutant_g_per_kg_fuel("diesel", "euro_6", Pollutant.NOX)
    assert old == Decimal("1.661")
