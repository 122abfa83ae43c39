"""`make bench`: every benchmark stage side by side, as ratios against reference tools.

Each stage runs in its own process (so its peak memory is its own) over
synthetic documents recombined from real paragraphs (see benchmarks/corpus.py).
The report goes to stdout and to benchmarks/out/report.md.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
SHARED = ROOT.parent / "shared" / "dev-corpus"

# (stage, size, target line)
PLAN = [
    ("pdf", 40, "PDF: within 3x of pypdfium2's raw page rate"),
    ("extract", 150, "extraction: >= 100,000 tokens/s per core"),
    ("build", 1000, "build: 2 workers >= 1.7x one worker"),
    ("incremental", 10000, "incremental: one letter (named, as kb watch ingests it) into 10,000 docs <= 1.5x "
                           "into 100, and < 2 s; a scan of the whole corpus beside it"),
    ("serve", 10000, "serving: FTS and canned queries p95 <= 100 ms on 10,000 docs"),
    ("memory", 10000, "memory: peak RSS of a 10,000-document build (all processes) <= 1 GB"),
]


def run_stage(stage: str, n: int, work: Path, extra: list[str]) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.stages", stage, "--work", str(work), "-n", str(n)]
    for e in extra:
        cmd += ["--extra", e]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_s"] = round(time.perf_counter() - start, 1)
    return result


def verdict(stage: str, r: dict) -> str:
    if "error" in r:
        return "error"
    checks = {
        "pdf": lambda: r["ratio_pdfium_over_ours"] <= 3,
        "extract": lambda: r["pipeline_tokens_per_s"] >= 100_000,
        "build": lambda: r["speedup_2w"] >= 1.7,
        "incremental": lambda: r["named_ratio_large_over_small"] <= 1.5 and max(
            v for k, v in r.items() if "_seconds_into_" in k) < 2,
        "serve": lambda: r["worst_p95_ms"] <= 100,
        "memory": lambda: r["peak_tree_rss_mb"] <= 1024,
    }
    return "ok" if checks[stage]() else "below target"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Run the kamer-kb benchmarks and report ratios against reference tools.")
    p.add_argument("--only", action="append", choices=[s for s, _, _ in PLAN], help="run only this stage (repeatable)")
    p.add_argument("--scale", type=float, default=1.0, help="multiply every stage's size (e.g. 0.1 for a quick look)")
    p.add_argument("--work", type=Path, default=OUT / "work", help="working folder (kept between runs)")
    args = p.parse_args(argv)
    extra = [str(SHARED)] if SHARED.is_dir() else []
    real_pdfs = [*(ROOT / "tests" / "fixtures" / "pdf").glob("*.pdf"), *SHARED.glob("*.pdf"), *SHARED.glob("eu/*.pdf")]
    extra += [str(x) for x in sorted(real_pdfs)]
    saved = OUT / "results.json"
    results = json.loads(saved.read_text(encoding="utf-8")) if args.only and saved.exists() else {}
    for stage, n, target in PLAN:
        if args.only and stage not in args.only:
            continue  # a partial run keeps the other stages' last results
        size = max(10, int(n * args.scale))
        print(f"[bench] {stage} (n={size}) ...", file=sys.stderr, flush=True)
        results[stage] = run_stage(stage, size, args.work, extra if stage == "pdf" else [])
    lines = ["| stage | target | result | verdict | peak RSS MB |", "|---|---|---|---|---|"]
    for stage, _, target in PLAN:
        if stage in results:
            r = results[stage]
            shown = {k: v for k, v in r.items() if k not in ("queries", "peak_rss_mb")}
            lines.append(f"| {stage} | {target} | {json.dumps(shown)} | {verdict(stage, r)} | {r.get('peak_rss_mb', '')} |")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (OUT / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
