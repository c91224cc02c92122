"""e. Parse cost: each DAG file's import time beyond a bare ``import airflow.sdk``.

Every sample is a fresh interpreter that first imports ``airflow.sdk`` (timed: the bare cost) and then
executes one DAG file the way the DAG processor does (timed: the file's own cost beyond the SDK). Taking
both from one process keeps a 6-second import's noise out of a figure measured in milliseconds. The median
over the repetitions is reported per file; the figure is the slowest file.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from scripts.bench.report import Item, parse_target_met
from scripts.bench.systems import ROOT, python_path

TITLE = "Parse cost per DAG file (beyond import airflow.sdk)"
TARGET = "≤ 50 ms per DAG file"

_CHILD = """
import importlib.util, json, sys, time
started = time.perf_counter()
import airflow.sdk
sdk = time.perf_counter()
spec = importlib.util.spec_from_file_location("bench_dag_file", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
done = time.perf_counter()
print(json.dumps({"bare_s": sdk - started, "file_s": done - sdk}))
"""


_WARM_UP = """
import importlib.util, sys
import airflow.sdk
for index, path in enumerate(sys.argv[1:]):
    spec = importlib.util.spec_from_file_location(f"bench_dag_file_{index}", path)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
"""


def warm_up(files: list[Path], env: dict[str, str]) -> None:
    """Import every DAG file once, untimed, so the samples find compiled bytecode as a deployment would."""
    result = subprocess.run([sys.executable, "-c", _WARM_UP, *map(str, files)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    if result.returncode:
        raise RuntimeError(f"importing the DAG files failed:\n{result.stderr[-2000:]}")


def sample(dag_file: Path, env: dict[str, str]) -> dict[str, float]:
    result = subprocess.run([sys.executable, "-c", _CHILD, str(dag_file)], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    if result.returncode:
        raise RuntimeError(f"importing {dag_file.name} failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(*, repetitions: int, env: dict[str, str], parallel: int = 1, say=print) -> Item:
    from concurrent.futures import ThreadPoolExecutor

    started = time.perf_counter()
    env = {**env, "PYTHONPATH": python_path()}
    files = sorted((ROOT / "dags").glob("*.py"))
    per_file: dict[str, float] = {}
    bare: list[float] = []
    warm_up(files, env)
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        futures = {dag_file: [pool.submit(sample, dag_file, env) for _ in range(repetitions)] for dag_file in files}
    for dag_file in files:
        samples = [future.result() for future in futures[dag_file]]
        per_file[dag_file.name] = statistics.median(s["file_s"] for s in samples) * 1000
        bare += [s["bare_s"] for s in samples]
        say(f"  e. {dag_file.name}: {per_file[dag_file.name]:.1f} ms beyond airflow.sdk")
    worst = max(per_file, key=per_file.get)
    return Item(
        key="e", title=TITLE, figure=per_file[worst], unit="ms (slowest file)", target=TARGET,
        met=parse_target_met(per_file), sizes={"DAG files": len(files), "repetitions": repetitions},
        details={"ms beyond airflow.sdk, median per file": {k: round(v, 1) for k, v in per_file.items()},
                 "bare import airflow.sdk, median s": round(statistics.median(bare), 2)},
        notes=[f"slowest: {worst}"] + ([f"{parallel} samples ran at once (small mode): timings are indicative"]
                                        if parallel > 1 else []),
        seconds=time.perf_counter() - started,
    )
