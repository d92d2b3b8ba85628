"""Pure input rules and batching: what is refused before any host is touched."""

import pytest

from qpt_apply.model import HostResult, InputError, batch_hosts, parse_batches, validate_patches


@pytest.mark.parametrize("patch", ["ACSD-61103", "MDVA-30265", "MDVA-30265-V2", "B2B-1234", "ACSD-1"])
def test_valid_patch_ids(patch):
    assert validate_patches([patch]) == [patch]


@pytest.mark.parametrize("patch", ["ACSD-61103;id", "acsd-61103", "ACSD_61103", "ACSD-", "-61103", "ACSD-61103 ",
                                   "ACSD-61103-v2", "*", "", "ACSD-61103\nx", "$(id)-1"])
def test_invalid_patch_ids(patch):
    with pytest.raises(InputError, match="not a QPT patch ID"):
        validate_patches([patch])


def test_default_and_duplicates():
    assert validate_patches(None) == []  # no --patch: each host's own qpt_patches (else ACSD-61103)
    assert validate_patches(["ACSD-61103", "MDVA-1", "ACSD-61103"]) == ["ACSD-61103", "MDVA-1"]


def test_parse_batches():
    assert parse_batches(None) == [1, "25%", "100%"]
    assert parse_batches("2, 50%") == [2, "50%"]
    for bad in ("0", "-1", "0%", "101%", "abc", "1,,2", "25 %"):
        with pytest.raises(InputError):
            parse_batches(bad)


@pytest.mark.parametrize("count,serial,expected", [
    (6, [1, "25%", "100%"], [1, 1, 4]),
    (10, [1, "25%", "100%"], [1, 2, 7]),
    (1, [1, "25%", "100%"], [1]),
    (5, [2], [2, 2, 1]),
    (3, ["10%"], [1, 1, 1]),
])
def test_batches_like_ansible_serial(count, serial, expected):
    hosts = [f"h{i}" for i in range(count)]
    batches = batch_hosts(hosts, serial)
    assert [len(b) for b in batches] == expected
    assert sum(batches, []) == hosts


def test_result_record_roundtrip():
    record = {"host": "web1", "action": "apply", "outcome": "changed", "magento": "2.4.6-p3",
              "status_before": {"ACSD-61103": "Not applied"}, "status_after": {"ACSD-61103": "Applied"},
              "reason": {"code": None, "message": ""}, "cloud": {"branch": "production"}}
    result = HostResult.from_record(record, batch=2)
    assert result.batch == 2 and not result.failed and result.done
    assert result.as_json()["cloud"] == {"branch": "production"}
    assert HostResult.from_record({"host": "x", "action": "conflict", "outcome": "failed"}).failed
    assert not HostResult(host="y").done


def test_catalog_is_the_playbooks_file():
    from qpt_apply import catalog

    assert catalog.entries()["ACSD-61103"]["qpt_min"] == "1.1.54"
    assert "customer_entity" in catalog.title("ACSD-61103")
    assert catalog.notes(["ACSD-61103"]) == []
    assert "not in the patch catalog" in catalog.notes(["MDVA-1"])[0]


def test_an_unknown_id_is_judged_by_hosts_that_keep_their_qpt(tmp_path):
    """A host whose QPT is updated first may offer more after the update: its read does not count."""
    from qpt_apply.journal import Run
    from qpt_apply.rollout import Options, _refuse_unknown_patches

    options = Options(command="plan", inventory=["inv"], patches=[], state_dir=tmp_path, catalog={})
    desired = {"web1": ["ACSD-70000"], "web2": ["ACSD-70000"]}
    older = HostResult(host="web1", status_before={"ACSD-70000": "absent"},
                       extra={"applied": [], "qpt_target": "^1.1.60"})
    unread = HostResult(host="web2", status_before={"ACSD-70000": "absent"}, extra={"applied": None})
    run = Run.create(tmp_path, "plan", {})
    _refuse_unknown_patches(run, options, desired, {"web1": older, "web2": unread})  # nothing to judge by
    kept = HostResult(host="web1", status_before={"ACSD-70000": "absent"}, extra={"applied": []})
    with pytest.raises(InputError, match="web1: qpt_patches names ACSD-70000"):
        _refuse_unknown_patches(run, options, desired, {"web1": kept, "web2": unread})
    assert run.meta["state"] == "refused"
