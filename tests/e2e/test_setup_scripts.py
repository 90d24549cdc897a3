"""scripts/build.sh (run by scripts/setup.sh) after the clone was moved: the build directory,
configured for the old place, is configured afresh with a note instead of CMake's "CMakeCache.txt
directory ... is different" (a `cmake` on PATH that records its calls stands in for CMake)."""
import os
import shutil
import subprocess

from conftest import SOURCE_DIR


def test_a_moved_clone_is_configured_afresh(tmp_path):
    clone = tmp_path / "moved"
    (clone / "scripts").mkdir(parents=True)
    shutil.copy(SOURCE_DIR / "scripts" / "build.sh", clone / "scripts" / "build.sh")
    (clone / "build" / "CMakeFiles").mkdir(parents=True)
    cache = clone / "build" / "CMakeCache.txt"
    cache.write_text(f"CMAKE_HOME_DIRECTORY:INTERNAL={tmp_path / 'old-place'}\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "cmake.log"
    (bin_dir / "cmake").write_text(f'#!/bin/bash\necho "$*" >> {calls}\n')
    (bin_dir / "cmake").chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}")
    proc = subprocess.run(["bash", clone / "scripts" / "build.sh"], env=env, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    assert "the clone moved" in proc.stderr and "configuring it afresh" in proc.stderr
    assert not cache.exists() and not (clone / "build" / "CMakeFiles").exists()
    assert calls.read_text().splitlines()[0].startswith("-S . -B build")

    # Configured here already: nothing is removed, nothing said.
    cache.write_text(f"CMAKE_HOME_DIRECTORY:INTERNAL={clone}\n")
    proc = subprocess.run(["bash", clone / "scripts" / "build.sh"], env=env, capture_output=True,
                          text=True)
    assert proc.returncode == 0 and "moved" not in proc.stderr and cache.exists()
