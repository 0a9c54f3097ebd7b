"""`invoke deploy --to user@host:path`: rsync over SSH to a private sshd
the test starts on 127.0.0.1 (Debian's openssh-server) with its own host
key, configuration, authorized key and port. The SSH options reach rsync
as users give them: $RSYNC_RSH (or ~/.ssh/config)."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from types import SimpleNamespace

import pytest
from conftest import missing_tool
from deploy_support import deploy, files_under, publish_build, published_project

from mirsad.deploy.api import MANIFEST, DeployError

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def sshd(tmp_path, monkeypatch):
    """An sshd on 127.0.0.1 that lets this user in with a key made here; RSYNC_RSH uses it."""
    if not os.path.exists(SSHD) or shutil.which("rsync") is None or shutil.which("ssh-keygen") is None:
        missing_tool("needs sshd, ssh-keygen and rsync (Debian: openssh-server rsync)")
    keys = tmp_path / "ssh"
    keys.mkdir(mode=0o700)
    for name in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / name)], check=True)
    shutil.copy(keys / "client.pub", keys / "authorized_keys")
    port = free_port()
    (keys / "known_hosts").write_text(f"[127.0.0.1]:{port} " + (keys / "host.pub").read_text())
    (keys / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {keys / 'host'}\nPidFile {keys / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {keys / 'authorized_keys'}\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "PermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\n")
    if os.geteuid() == 0:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege separation folder
    server = subprocess.Popen([SSHD, "-D", "-e", "-f", str(keys / "sshd_config")], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"sshd did not start: {server.stderr.read().decode() if server.stderr else ''}")
                time.sleep(0.05)
        monkeypatch.setenv("RSYNC_RSH", f"ssh -F /dev/null -p {port} -i {keys / 'client'} -o BatchMode=yes "
                                        f"-o UserKnownHostsFile={keys / 'known_hosts'} -o StrictHostKeyChecking=yes")
        yield SimpleNamespace(login=f"{getpass.getuser()}@127.0.0.1", keys=keys)
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def built(tmp_path, monkeypatch):
    return published_project(tmp_path / "project", monkeypatch)


def test_a_host_gets_the_build_over_ssh_and_a_second_run_uploads_nothing(sshd, built, tmp_path):
    www = tmp_path / "remote" / "www"
    www.mkdir(parents=True)
    (www / "keep.txt").write_text("the host's own file")
    dry, lines = deploy(built, f"{sshd.login}:{www}", dry_run=True)
    assert dry.uploaded == len(files_under(built.output)) and lines
    assert files_under(www) == {"keep.txt": b"the host's own file"}

    result, _ = deploy(built, f"{sshd.login}:{www}")
    assert result.uploaded == dry.uploaded and result.bytes == dry.bytes
    assert {name: data for name, data in files_under(www).items() if name not in (MANIFEST, "keep.txt")} \
        == files_under(built.output)
    again, _ = deploy(built, f"{sshd.login}:{www}")
    assert (again.uploaded, again.deleted, again.unchanged) == (0, 0, result.uploaded)

    (built.root / "content" / "briefings" / "b2.md").unlink()
    publish_build(built)
    removed, _ = deploy(built, f"{sshd.login}:{www}")
    assert removed.deleted == 1 and not (www / "ar" / "briefings" / "b2.html").exists()
    assert (www / "keep.txt").read_text() == "the host's own file"


def test_a_host_that_refuses_the_key_stops_the_deploy_with_a_message(sshd, built, tmp_path):
    (sshd.keys / "authorized_keys").write_text("")
    with pytest.raises(DeployError, match=r"rsync could not read .*check the host, the path and your SSH access"):
        deploy(built, f"{sshd.login}:{tmp_path / 'www'}")
    assert not (tmp_path / "www").exists()
