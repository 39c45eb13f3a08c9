"""scripts/setup.sh on a simulated machine: it makes the venv, installing Debian's python3-venv
when `python3 -m venv` says ensurepip is missing, and runs pip only when something changed.

Nothing is installed: the script runs on a copy of itself and pyproject.toml, with fake
`python3`, `apt-get`, `dot` and `sudo` first on PATH. The fake python3 fails `-m venv` with
Debian's message until the fake apt-get has installed python3-venv; the venv it makes holds a
fake python that records the pip command instead of running it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="setup.sh needs bash")

# What Debian's python3 prints when python3-venv is not installed.
ENSUREPIP_MISSING = """The virtual environment was not successfully created because ensurepip is not
available.  On Debian/Ubuntu systems, you need to install the python3-venv
package using the following command.

    apt install python3.11-venv
"""

FAKE_PYTHON3 = """#!/usr/bin/env bash
echo "python3 $*" >> "$LOG"
[ "$1 $2" = "-m venv" ] || exit 0
mkdir -p "$3/bin"
printf '#!/usr/bin/env bash\\necho "venv-python $*" >> "$LOG"\\n' > "$3/bin/python"
chmod +x "$3/bin/python"
if [ ! -e "$FAKE/python3-venv" ]; then
    printf '%s' "$VENV_FAILURE"
    exit 1
fi
cp "$3/bin/python" "$3/bin/pip"
"""

FAKE_APT_GET = """#!/usr/bin/env bash
echo "apt-get $*" >> "$LOG"
case " $* " in *" install "*" python3-venv "*) touch "$FAKE/python3-venv" ;; esac
"""


class Machine:
    """A copy of setup.sh and pyproject.toml, and the fake programs it runs with."""

    def __init__(self, tmp_path: Path, venv_installed: bool) -> None:
        self.project = tmp_path / "project"
        (self.project / "scripts").mkdir(parents=True)
        shutil.copy(ROOT / "scripts" / "setup.sh", self.project / "scripts")
        shutil.copy(ROOT / "pyproject.toml", self.project)
        self.fake = tmp_path / "fake"
        self.fake.mkdir()
        self.log = tmp_path / "log"
        self.log.touch()
        for name, text in [("python3", FAKE_PYTHON3), ("apt-get", FAKE_APT_GET),
                           ("dot", "#!/usr/bin/env bash\n"),
                           ("sudo", '#!/usr/bin/env bash\nexec "$@"\n')]:
            (self.fake / name).write_text(text)
            (self.fake / name).chmod(0o755)
        if venv_installed:
            (self.fake / "python3-venv").touch()
        self.venv_failure = ENSUREPIP_MISSING

    def setup(self, *extras: str) -> subprocess.CompletedProcess[str]:
        """Run `bash scripts/setup.sh EXTRAS` on this machine; the log starts afresh."""
        self.log.write_text("")
        env = {**os.environ, "PATH": f"{self.fake}{os.pathsep}{os.environ['PATH']}",
               "LOG": str(self.log), "FAKE": str(self.fake), "VENV_FAILURE": self.venv_failure}
        return subprocess.run(["bash", str(self.project / "scripts" / "setup.sh"), *extras],
                              capture_output=True, text=True, env=env, timeout=60)

    def calls(self) -> list[str]:
        """The fake programs' command lines, in order, from the latest setup."""
        return self.log.read_text().splitlines()


PIP = "venv-python -m pip install -q --disable-pip-version-check -e "


def test_installs_python3_venv_and_retries_when_ensurepip_is_missing(tmp_path: Path) -> None:
    machine = Machine(tmp_path, venv_installed=False)
    done = machine.setup()
    assert done.returncode == 0, done.stderr
    assert machine.calls() == [
        "python3 -m venv .venv",
        "apt-get update -qq",
        "apt-get install -y -qq python3-venv",
        "python3 -m venv .venv",
        PIP + ".[test,examples]",
    ]
    assert "installing Debian's python3-venv" in done.stdout


def test_other_venv_failures_stop_the_setup_with_their_message(tmp_path: Path) -> None:
    machine = Machine(tmp_path, venv_installed=False)
    machine.venv_failure = "Error: [Errno 13] Permission denied: '.venv'\n"
    done = machine.setup()
    assert done.returncode != 0
    assert "Permission denied" in done.stderr
    assert machine.calls() == ["python3 -m venv .venv"]


def test_pip_runs_only_when_extras_or_pyproject_change(tmp_path: Path) -> None:
    machine = Machine(tmp_path, venv_installed=True)
    assert machine.setup().returncode == 0
    assert machine.calls() == ["python3 -m venv .venv", PIP + ".[test,examples]"]

    for extras in [(), ("test",), ("examples,test",)]:  # already installed: nothing runs
        done = machine.setup(*extras)
        assert done.returncode == 0, done.stderr
        assert machine.calls() == []
        assert "pyproject.toml is unchanged" in done.stdout

    machine.setup("test,torch")  # one new extra: installed along with the earlier ones
    assert machine.calls() == [PIP + ".[test,examples,torch]"]
    machine.setup("torch")
    assert machine.calls() == []

    with open(machine.project / "pyproject.toml", "a") as pyproject:
        pyproject.write("\n# a changed dependency\n")
    machine.setup("test")  # the stamp no longer holds: only what is asked for now
    assert machine.calls() == [PIP + ".[test]"]


def test_a_venv_left_without_pip_is_made_again(tmp_path: Path) -> None:
    machine = Machine(tmp_path, venv_installed=True)
    left = machine.project / ".venv" / "bin" / "python"  # what a failed venv leaves
    left.parent.mkdir(parents=True)
    left.write_text("#!/usr/bin/env bash\nexit 1\n")
    left.chmod(0o755)
    assert machine.setup().returncode == 0
    assert machine.calls() == ["python3 -m venv .venv", PIP + ".[test,examples]"]
    assert (machine.project / ".venv" / "bin" / "pip").exists()
