"""``keten keys`` and ``keten chain`` end to end through the real typer app."""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from keten.cli.main import app
from keten.errors import ChainVerificationError, ValidationError

runner = CliRunner()
ENV = {"COLUMNS": "250", "NO_COLOR": "1"}

BARGE_OWN = {"shipment_id": "SHP-1", "co2e_wtw_kg": "412.35", "co2e_ttw_kg": "330.1",
             "nox_kg": "3.2", "pm_kg": "0.081", "transport_activity_tkm": "21000",
             "factor_set": "keten-2026.1"}
HUB_OWN = {"consignment_id": "CON-9", "co2e_wtw_kg": "24", "co2e_ttw_kg": "4", "nox_kg": "0",
           "pm_kg": "0", "transport_activity_tkm": "0", "factor_set": "keten-2026.1",
           "method": "ISO 14083:2023 HOC"}
# the shape `keten footprint --format json` writes; JSON numbers are read as exact decimals
TRUCK_FOOTPRINT = {"factor_set": {"version": "keten-2026.1"}, "shipments": [
    {"shipment_id": "SHP-1", "co2e_wtw_kg": 18.5, "co2e_ttw_kg": 15.25, "nox_kg": 0.0183,
     "pm_kg": 0.00046, "transport_activity_tkm": 250, "distance_km": 25.0},
    {"shipment_id": "SHP-2", "co2e_wtw_kg": 1, "co2e_ttw_kg": 1, "nox_kg": 0, "pm_kg": 0,
     "transport_activity_tkm": 10}]}


def run(*args: Any) -> Any:
    return runner.invoke(app, [str(a) for a in args], env=ENV)


def ok(*args: Any) -> Any:
    result = run(*args)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def untrusted(*args: Any) -> Any:
    """Every check holds, but without --trust the signers are not established: exit 8."""
    result = run(*args)
    assert result.exit_code == 8, (result.output, result.exception)
    assert "signers not trusted" in result.output
    return result


@pytest.fixture()
def chain_dir(tmp_path: Path) -> Path:
    """Three companies with keys in one trust list, and a signed three-party chain."""
    for company in ("NL-BARGE", "DE-HUB", "DE-TRUCK"):
        ok("keys", "generate", "--company", company, "--out", tmp_path / "keys",
           "--trust", tmp_path / "trust.json")
    (tmp_path / "barge.json").write_text(json.dumps(BARGE_OWN))
    (tmp_path / "hub.json").write_text(json.dumps(HUB_OWN))
    (tmp_path / "truck.json").write_text(json.dumps(TRUCK_FOOTPRINT))
    keys = tmp_path / "keys"
    ok("chain", "sign", "--key", keys / "NL-BARGE.key.pem", "--company", "NL-BARGE",
       "--name", "Rijnvaart BV", "--own", tmp_path / "barge.json", "--statement-id", "st-barge",
       "-o", tmp_path / "b1.json")
    ok("chain", "sign", "--key", keys / "DE-HUB.key.pem", "--company", "DE-HUB",
       "--own", tmp_path / "hub.json", "--upstream", tmp_path / "b1.json",
       "--trust", tmp_path / "trust.json", "--statement-id", "st-hub", "-o", tmp_path / "b2.json")
    ok("chain", "sign", "--key", keys / "DE-TRUCK.key.pem", "--company", "DE-TRUCK",
       "--footprint", tmp_path / "truck.json", "--shipment", "SHP-1",
       "--upstream", tmp_path / "b2.json", "--statement-id", "st-truck",
       "-o", tmp_path / "b3.json")
    return tmp_path


def test_keys_generate_writes_pem_files_private_0600(chain_dir: Path) -> None:
    private = chain_dir / "keys" / "NL-BARGE.key.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert (chain_dir / "keys" / "NL-BARGE.pub.pem").read_text().startswith(
        "-----BEGIN PUBLIC KEY-----")
    trust = json.loads((chain_dir / "trust.json").read_text())
    assert trust["format"] == "keten.trusted-keys/1"
    assert [k["company_id"] for k in trust["keys"]] == ["NL-BARGE", "DE-HUB", "DE-TRUCK"]
    printed = ok("keys", "fingerprint", chain_dir / "keys" / "NL-BARGE.pub.pem").output.strip()
    assert printed == trust["keys"][0]["fingerprint"]
    assert ok("keys", "fingerprint", private).output.strip() == printed
    again = run("keys", "generate", "--company", "NL-BARGE", "--out", chain_dir / "keys")
    assert again.exit_code == ValidationError.exit_code and "already exists" in again.output


def test_sign_and_verify_a_three_party_chain(chain_dir: Path) -> None:
    result = ok("chain", "verify", chain_dir / "b3.json", "--trust", chain_dir / "trust.json")
    assert "OK: st-truck by DE-TRUCK" in result.output
    assert "WARNING: st-hub is about consignment CON-9" in result.output  # no shared id
    assert re.search(r"^  CO2e WTW \(kg\) +454\.85$", result.output, re.M)
    as_json = untrusted("chain", "verify", chain_dir / "b3.json", "--format", "json").stdout
    report = json.loads(as_json)
    assert report["ok"] is True and report["trusted"] is False
    assert report["checked"] == {"signatures": 3, "links": 2, "sums": 3}
    head = report["statements"][-1]
    assert head["cumulative"] == {"co2e_wtw_kg": "454.85", "co2e_ttw_kg": "349.35",
                                  "nox_kg": "3.2183", "pm_kg": "0.08146",
                                  "transport_activity_tkm": "21250"}
    assert head["subject"] == {"shipment_id": "SHP-1"}


def test_show_table_tree_and_json(chain_dir: Path) -> None:
    table = ok("chain", "show", chain_dir / "b3.json").output
    for text in ("DE-TRUCK", "└ DE-HUB", "Rijnvaart BV (NL-BARGE)", "412.35", "454.85",
                 "consignment CON-9"):
        assert text in table
    assert table.index("DE-TRUCK") < table.index("DE-HUB") < table.index("NL-BARGE")
    tree = ok("chain", "show", chain_dir / "b3.json", "--format", "tree").output
    assert "DE-HUB" in tree and "cumulative CO2e WTW (kg) 436.35" in tree
    shown = json.loads(ok("chain", "show", chain_dir / "b3.json", "--format", "json").output)
    assert [s["statement_id"] for s in shown["statements"]] == ["st-barge", "st-hub", "st-truck"]


def test_sign_and_verify_print_labels_with_units_json_keeps_field_names(
        chain_dir: Path) -> None:
    """An auditor reads "CO2e WTW (kg)", not co2e_wtw_kg, in the text of sign and verify; the
    JSON report keeps the field names a program looks up."""
    keys = chain_dir / "keys"
    signed = ok("chain", "sign", "--key", keys / "DE-TRUCK.key.pem", "--company", "DE-TRUCK",
                "--footprint", chain_dir / "truck.json", "--shipment", "SHP-1",
                "--upstream", chain_dir / "b2.json", "-o", chain_dir / "b4.json").output
    verified = ok("chain", "verify", chain_dir / "b3.json", "--trust",
                  chain_dir / "trust.json").output
    for text in (signed, verified):
        for label in ("CO2e WTW (kg)", "CO2e TTW (kg)", "NOx (kg)", "PM (kg)",
                      "transport activity (tkm)"):
            assert label in text, (label, text)
        assert not re.search(r"\b(co2e_[wt]t[wt]_kg|nox_kg|pm_kg|transport_activity_tkm)\b",
                             text), text
    assert re.search(r"^  transport activity \(tkm\) +21250$", verified, re.M)
    report = json.loads(ok("chain", "verify", chain_dir / "b3.json", "--trust",
                           chain_dir / "trust.json", "--format", "json").stdout)
    assert set(report["statements"][-1]["cumulative"]) == {
        "co2e_wtw_kg", "co2e_ttw_kg", "nox_kg", "pm_kg", "transport_activity_tkm"}


def _tamper(path: Path, statement_id: str, section: str, name: str, value: str) -> None:
    bundle = json.loads(path.read_text())
    for signed in bundle["statements"]:
        if signed["statement"]["statement_id"] == statement_id:
            signed["statement"][section][name] = value
    path.write_text(json.dumps(bundle, indent=2))


@pytest.mark.parametrize(
    ("statement_id", "section", "name", "value", "check"),
    [
        ("st-hub", "own", "co2e_wtw_kg", "2.4", "signature"),
        ("st-truck", "cumulative", "nox_kg", "0.0183", "signature"),
        ("st-barge", "issuer", "company_id", "DE-HUB", "key"),
    ],
)
def test_verify_fails_on_tampering_and_names_the_first_broken_link(
    chain_dir: Path, statement_id: str, section: str, name: str, value: str, check: str
) -> None:
    _tamper(chain_dir / "b3.json", statement_id, section, name, value)
    result = run("chain", "verify", chain_dir / "b3.json")
    assert result.exit_code == ChainVerificationError.exit_code == 6
    assert f"1. statement {statement_id}" in result.output
    assert f"first broken link statement {statement_id}" in " ".join(result.output.split())
    as_json = run("chain", "verify", chain_dir / "b3.json", "--format", "json")
    assert as_json.exit_code == 6
    report = json.loads(as_json.stdout)
    assert report["ok"] is False
    first = report["first_issue"]
    assert (first["statement_id"], first["check"]) == (statement_id, check)
    shown = run("chain", "show", chain_dir / "b3.json")
    assert shown.exit_code == 6 and "BROKEN" in shown.output


def test_verify_with_trust_list_rejects_an_unregistered_signer(chain_dir: Path) -> None:
    ok("keys", "generate", "--company", "DE-TRUCK", "--out", chain_dir / "mallory")
    ok("chain", "sign", "--key", chain_dir / "mallory" / "DE-TRUCK.key.pem", "--company",
       "DE-TRUCK", "--footprint", chain_dir / "truck.json", "--shipment", "SHP-1",
       "--upstream", chain_dir / "b2.json", "--statement-id", "st-forged",
       "-o", chain_dir / "forged.json")
    untrusted("chain", "verify", chain_dir / "forged.json")  # integrity alone holds
    result = run("chain", "verify", chain_dir / "forged.json", "--trust", chain_dir / "trust.json")
    assert result.exit_code == 6
    assert "st-forged" in result.output and "not registered for company DE-TRUCK" in result.output


def test_keys_trust_registers_a_partner_key(chain_dir: Path) -> None:
    partner = chain_dir / "partner.json"
    ok("keys", "trust", partner, "--company", "DE-HUB", "--public",
       chain_dir / "keys" / "DE-HUB.pub.pem", "--name", "Duisburg Hub")
    ok("keys", "trust", partner, "--company", "NL-BARGE", "--public",
       chain_dir / "keys" / "NL-BARGE.pub.pem")
    result = run("chain", "verify", chain_dir / "b3.json", "--trust", partner)
    assert result.exit_code == 6 and "company DE-TRUCK has no key" in result.output
    ok("chain", "verify", chain_dir / "b2.json", "--trust", partner)


def test_sign_refuses_a_tampered_upstream_and_writes_nothing(chain_dir: Path) -> None:
    _tamper(chain_dir / "b2.json", "st-barge", "own", "pm_kg", "0.001")
    before = sorted(p.name for p in chain_dir.iterdir())
    result = run("chain", "sign", "--key", chain_dir / "keys" / "DE-TRUCK.key.pem",
                 "--company", "DE-TRUCK", "--footprint", chain_dir / "truck.json",
                 "--shipment", "SHP-1", "--upstream", chain_dir / "b2.json",
                 "-o", chain_dir / "b4.json")
    assert result.exit_code == 6 and "st-barge" in result.output
    assert sorted(p.name for p in chain_dir.iterdir()) == before  # no b4.json, no temp file


def test_sign_input_errors(chain_dir: Path) -> None:
    keys = chain_dir / "keys"
    both = run("chain", "sign", "--key", keys / "DE-HUB.key.pem", "--company", "DE-HUB",
               "--own", chain_dir / "hub.json", "--footprint", chain_dir / "truck.json",
               "-o", chain_dir / "x.json")
    assert both.exit_code == 2 and "exactly one of --own and --footprint" in both.output
    several = run("chain", "sign", "--key", keys / "DE-TRUCK.key.pem", "--company", "DE-TRUCK",
                  "--footprint", chain_dir / "truck.json", "-o", chain_dir / "x.json")
    assert several.exit_code == 2 and "consignment id" in several.output
    summed = ok("chain", "sign", "--key", keys / "DE-TRUCK.key.pem", "--company", "DE-TRUCK",
                "--footprint", chain_dir / "truck.json", "--consignment-id", "C-ALL",
                "-o", chain_dir / "x.json")
    assert re.search(r"^  CO2e WTW \(kg\) +19\.5$", summed.output, re.M)
    missing = run("chain", "verify", chain_dir / "missing.json")
    assert missing.exit_code == 2 and "file not found" in missing.output


def test_the_keten_command_exits_6_on_a_tampered_bundle(chain_dir: Path) -> None:
    _tamper(chain_dir / "b3.json", "st-hub", "own", "co2e_wtw_kg", "2.4")
    done = subprocess.run(
        [sys.executable, "-m", "keten.cli.main", "chain", "verify", str(chain_dir / "b3.json")],
        capture_output=True, text=True, check=False, env={**ENV, "PATH": ""},
    )
    assert done.returncode == 6, done.stderr
    assert "first broken link statement st-hub, party DE-HUB: signature" in \
        " ".join(done.stderr.split())


def test_passphrase_protected_key(tmp_path: Path) -> None:
    env = {**ENV, "KETEN_TEST_PASSPHRASE": "correct horse"}
    made = runner.invoke(app, ["keys", "generate", "--company", "NL-P", "--out", str(tmp_path),
                               "--passphrase-env", "KETEN_TEST_PASSPHRASE"], env=env)
    assert made.exit_code == 0, made.output
    assert (tmp_path / "NL-P.key.pem").read_text().startswith("-----BEGIN ENCRYPTED")
    (tmp_path / "own.json").write_text(json.dumps(BARGE_OWN))
    args = ["chain", "sign", "--key", str(tmp_path / "NL-P.key.pem"), "--company", "NL-P",
            "--own", str(tmp_path / "own.json"), "-o", str(tmp_path / "b.json")]
    without = runner.invoke(app, args, env=env)
    assert without.exit_code == 2 and not (tmp_path / "b.json").exists()
    signed = runner.invoke(app, [*args, "--passphrase-env", "KETEN_TEST_PASSPHRASE"], env=env)
    assert signed.exit_code == 0, signed.output
    unset = runner.invoke(app, [*args, "--passphrase-env", "KETEN_TEST_UNSET_VARIABLE"], env=env)
    assert unset.exit_code == 2 and "KETEN_TEST_UNSET_VARIABLE" in unset.output
    untrusted("chain", "verify", tmp_path / "b.json")


def test_correct_a_statement_and_verify_against_published_heads(chain_dir: Path) -> None:
    """The barge carrier corrects its statement: the hub's bundle built on the old one is then
    superseded (exit 9) against the carrier's newer statement, and current once re-signed."""
    keys, trust = chain_dir / "keys", chain_dir / "trust.json"
    (chain_dir / "barge-v2.json").write_text(json.dumps({**BARGE_OWN, "co2e_wtw_kg": "400"}))
    signed = ok("chain", "sign", "--key", keys / "NL-BARGE.key.pem", "--company", "NL-BARGE",
                "--name", "Rijnvaart BV", "--own", chain_dir / "barge-v2.json",
                "--supersedes", chain_dir / "b1.json", "--statement-id", "st-barge-v2",
                "-o", chain_dir / "b1v2.json").output
    assert "(sequence 2, supersedes sha256:" in signed
    stale = run("chain", "verify", chain_dir / "b2.json", "--trust", trust,
                "--heads", chain_dir / "b1v2.json")
    assert stale.exit_code == 9, stale.output
    assert "SUPERSEDED" in stale.output and "st-barge (sequence 1" in stale.output
    shown = run("chain", "show", chain_dir / "b2.json", "--heads", chain_dir / "b1v2.json")
    assert shown.exit_code == 9 and "SUPERSEDED" in shown.output
    ok("chain", "sign", "--key", keys / "DE-HUB.key.pem", "--company", "DE-HUB", "--own",
       chain_dir / "hub.json", "--upstream", chain_dir / "b1v2.json", "--trust", trust,
       "--map", "SHP-1", "--relation", "consolidation", "--supersedes", chain_dir / "b2.json",
       "-o", chain_dir / "b2v2.json")
    current = ok("chain", "verify", chain_dir / "b2v2.json", "--trust", trust,
                 "--heads", chain_dir / "b1v2.json", "--heads", chain_dir / "b2.json")
    assert "subject mapping:" in current.output and "consolidation, signed" in current.output
    wrong = run("chain", "sign", "--key", keys / "DE-TRUCK.key.pem", "--company", "DE-TRUCK",
                "--own", chain_dir / "barge.json", "--supersedes", chain_dir / "b1.json",
                "-o", chain_dir / "x.json")
    assert wrong.exit_code == 2 and "only its issuer can correct it" in wrong.output


def test_a_renumbered_shipment_needs_a_signed_mapping(chain_dir: Path) -> None:
    keys, trust = chain_dir / "keys", chain_dir / "trust.json"
    args = ("chain", "sign", "--key", keys / "DE-TRUCK.key.pem", "--company", "DE-TRUCK",
            "--own", chain_dir / "barge.json", "--shipment-id", "SHP-99", "--upstream",
            chain_dir / "b1.json", "--trust", trust, "-o", chain_dir / "renumbered.json")
    refused = run(*args)
    assert refused.exit_code == 2 and "--map SHP-1" in refused.output
    assert not (chain_dir / "renumbered.json").exists()
    signed = ok(*args, "--map", "SHP-1").output
    assert "subject mapping (signed): shipment SHP-1 → shipment SHP-99 (renumbering)" in signed
    table = ok("chain", "show", chain_dir / "renumbered.json", "--trust", trust).output
    assert "SHP-99 ← SHP-1" in table
    tree = ok("chain", "show", chain_dir / "renumbered.json", "--trust", trust, "--format",
              "tree").output
    assert "shipment SHP-99 ← shipment SHP-1 (renumbering)" in tree
    report = json.loads(ok("chain", "verify", chain_dir / "renumbered.json", "--trust", trust,
                           "--format", "json").stdout)
    assert report["statements"][-1]["subject_mapping"]["relation"] == "renumbering"
    # the mapping edited after signing breaks the signature
    bundle = json.loads((chain_dir / "renumbered.json").read_text())
    bundle["statements"][0]["statement"]["subject_mapping"]["relation"] = "consolidation"
    (chain_dir / "renumbered.json").write_text(json.dumps(bundle))
    assert run("chain", "verify", chain_dir / "renumbered.json", "--trust", trust).exit_code == 6
