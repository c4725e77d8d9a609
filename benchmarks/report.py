"""What each benchmark hands back, and how the results file is put together."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

RESULTS_DIR = Path(__file__).parent / "results"
RESULTS_FILE = Path(__file__).parent / "RESULTS.md"
# What was profiled and fixed, and what remains: written by people, read with the figures.
NOTES_FILE = Path(__file__).parent / "NOTES.md"


@dataclass
class Target:
    what: str
    target: str
    measured: str
    met: bool

    def row(self) -> str:
        verdict = "pass" if self.met else "**miss**"
        return f"| {self.what} | {self.target} | {self.measured} | {verdict} |"


@dataclass
class Section:
    name: str  # file name in results/, e.g. "throughput"
    title: str
    targets: list[Target] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def say(self, line: str = "") -> None:
        self.lines.append(line)

    def markdown(self) -> str:
        out = [f"## {self.title}", ""]
        if self.targets:
            out += ["| measure | target | measured | |", "|---|---|---|---|"]
            out += [t.row() for t in self.targets]
            out.append("")
        out += self.lines
        return "\n".join(out).rstrip() + "\n"

    def save(self, header: str) -> Path:
        RESULTS_DIR.mkdir(exist_ok=True)
        path = RESULTS_DIR / f"{self.name}.md"
        path.write_text(header + "\n" + self.markdown(), encoding="utf-8")
        return path


ORDER = [
    "throughput",
    "decision-latency",
    "cohort-start",
    "permits",
    "journeys",
    "scale",
    "scale-read-side",
    "scale-issue-7",
    "scale-read-side-issue-7",
    "capacity-model",
    "audit-chain",
]


def _summary(texts: list[str]) -> str:
    """Every target of every section, in one table."""
    rows = ["| section | measure | target | measured | |", "|---|---|---|---|---|"]
    for text in texts:
        title = next((line[3:] for line in text.splitlines() if line.startswith("## ")), "")
        for line in text.splitlines():
            if line.startswith("| ") and line.rstrip().endswith(("| pass |", "| **miss** |")):
                rows.append(f"| {title.split(':')[0]} {line}")
    return "## Summary\n\n" + "\n".join(rows) + "\n"


def assemble(preamble: str) -> Path:
    """RESULTS.md: the preamble, then every section file in results/ (ours in ORDER, then
    any other, e.g. audit-chain.md written by its own benchmark), then NOTES.md."""
    files = sorted(
        RESULTS_DIR.glob("*.md"),
        key=lambda p: (ORDER.index(p.stem) if p.stem in ORDER else len(ORDER), p.stem),
    )
    texts = [path.read_text(encoding="utf-8") for path in files]
    parts = [preamble.rstrip() + "\n", _summary(texts)]
    parts += texts
    if NOTES_FILE.exists():
        parts.append(NOTES_FILE.read_text(encoding="utf-8"))
    RESULTS_FILE.write_text("\n".join(parts), encoding="utf-8")
    return RESULTS_FILE
