import pytest

from gpqi.workspace import WorkspaceError, init_workspace, open_workspace


def test_init_then_open_reads_defaults(tmp_path):
    ws = init_workspace(tmp_path / "ws", name="North Quay PCN")
    again = open_workspace(tmp_path / "ws")
    assert again.config.workspace.name == "North Quay PCN"
    assert again.config.disclosure.redact_at_or_below == 7
    assert ws.config.engine.backend == "duckdb"


def test_bad_config_names_the_field(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    ws.config_path.write_text('[engine]\nbackend = "oracle"\n')
    with pytest.raises(WorkspaceError, match=r"gpqi.toml: engine.backend"):
        open_workspace(ws.root)


def test_unknown_key_is_an_error(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    ws.config_path.write_text("[disclosure]\nround_too = 5\n")
    with pytest.raises(WorkspaceError, match="disclosure.round_too"):
        open_workspace(ws.root)


def test_no_snapshot_yet_says_what_to_do(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    with pytest.raises(WorkspaceError, match="gpqi ingest"):
        ws.current_snapshot()


def test_current_pointer_switches_atomically(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    (ws.snapshots_dir / "s1").mkdir(parents=True)
    ws.set_current_snapshot("s1")
    assert ws.current_snapshot().name == "s1"
    assert not list(ws.root.glob(".CURRENT*"))


def test_not_a_workspace(tmp_path):
    with pytest.raises(WorkspaceError, match="not a gpqi workspace"):
        open_workspace(tmp_path)


def test_ingest_section_defaults_and_bounds(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    assert ws.config.ingest.keep_snapshots == 5
    assert "[ingest]" in ws.config_path.read_text()
    ws.config_path.write_text("[ingest]\nkeep_snapshots = 0\n")
    with pytest.raises(WorkspaceError, match="ingest.keep_snapshots"):
        open_workspace(ws.root)


def test_snapshot_paths(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    assert ws.snapshot_path("s1") == ws.snapshots_dir / "s1"
    assert ws.ingest_history_path.parent == ws.root
