"""Plain-text evaluation reports an operator can read in a terminal or a log."""

from __future__ import annotations

from collections import defaultdict

from pipelines.evaluation.kfold import KFoldReport
from pipelines.evaluation.metrics import PRF, EvalReport

__all__ = ["format_kfold", "format_report"]

_HEAD = f"  {'':<24}{'TP':>5}{'FP':>5}{'FN':>5}{'prec':>9}{'recall':>9}{'F1':>9}"


def _row(name: str, prf: PRF) -> str:
    return (
        f"  {name:<24}{prf.tp:>5}{prf.fp:>5}{prf.fn:>5}"
        f"{prf.precision:>9.3f}{prf.recall:>9.3f}{prf.f1:>9.3f}"
    )


def _figures(report: EvalReport) -> list[str]:
    lines = ["Topics (per article and topic)", _HEAD]
    lines += [_row(t, prf) for t, prf in report.topics.items()]
    lines += [_row("micro", report.topic_micro), "", "Event kinds (per article, set of kinds)"]
    lines.append(_HEAD)
    lines += [_row(k, prf) for k, prf in report.kinds.items()]
    lines += [
        _row("micro", report.kind_micro),
        "",
        f"Event names: {report.events_matched}/{report.events_labeled} labeled events found "
        f"with a matching name ({report.name_match_rate:.1%}); "
        f"{report.events_extracted} extracted, {report.events_extra} not labeled "
        f"(event precision {report.event_precision:.1%})",
        "",
        "Slots of the labeled events found (where the labels give them)",
        _HEAD,
        _row("start date", report.date),
        _row("start and end", report.span),
        _row("place", report.place),
        f"Found among all labeled events whose text gives it: start date "
        f"{report.date.tp}/{report.date_given} ({report.date_found:.1%}) at precision "
        f"{report.date.precision:.3f}; place {report.place.tp}/{report.place_given} "
        f"({report.place_found:.1%}) at precision {report.place.precision:.3f}",
        "",
    ]
    return lines


def _misses(report: EvalReport) -> list[str]:
    if not report.misses:
        return ["No differences from the labels."]
    lines = [f"Differences by cause ({sum(report.causes.values())}):"]
    lines += [f"  {n:>4}  {cause}" for cause, n in report.causes.most_common()]
    by_cause: dict[str, list[str]] = defaultdict(list)
    for m in report.misses:
        for d in m.differences:
            by_cause[d.cause.split(" (p=")[0]].append(f"{m.id}: {d.what} {d.text} [{d.cause}]")
    lines += ["", f"Articles with differences ({len(report.misses)}):"]
    for m in report.misses:
        lines.append(f"- {m.id}: {m.title}")
        if m.expected_topics != m.got_topics:
            exp = ", ".join(m.expected_topics) or "(none)"
            got = ", ".join(m.got_topics) or "(none)"
            lines.append(f"    topics: expected {exp}; got {got}")
        for d in m.differences:
            if d.what == "missed event":
                lines.append(f"    missed event  {d.text}  [{d.cause}]")
            elif d.what == "extra event":
                lines.append(f"    extra event   {d.text}  [{d.cause}]")
            elif d.what in ("date", "place"):
                lines.append(f"    {d.what:<13} {d.text}  [{d.cause}]")
    return lines


def format_report(report: EvalReport) -> str:
    """Figures, then the differences: counted by cause, then article by article."""
    lines = [
        f"Evaluation of {report.articles} labeled articles (taxonomy {report.taxonomy_version})",
        "",
    ]
    return "\n".join(lines + _figures(report) + _misses(report))


def format_kfold(report: KFoldReport) -> str:
    """One line per fold, then the pooled figures and differences."""
    pooled = report.pooled
    sources = ", ".join(f"{n} {name}" for name, n in sorted(report.sources.items()))
    lines = [
        f"{report.k}-fold evaluation of {pooled.articles} labeled articles ({sources}); "
        f"taxonomy {pooled.taxonomy_version}",
        "Each fold is scored with an acceptance model fitted on the other folds only.",
        "",
        f"  {'fold':<6}{'articles':>9}{'topic F1':>10}{'kind F1':>9}{'names':>13}"
        f"{'ev. prec':>10}{'date P/found':>14}{'place P/found':>15}",
    ]
    for i, f in enumerate([*report.folds, pooled]):
        label = "pooled" if i == len(report.folds) else str(i + 1)
        names = f"{f.events_matched}/{f.events_labeled} {f.name_match_rate:.2f}"
        lines.append(
            f"  {label:<6}{f.articles:>9}{f.topic_micro.f1:>10.3f}{f.kind_micro.f1:>9.3f}"
            f"{names:>13}{f.event_precision:>10.3f}"
            f"{f'{f.date.precision:.2f}/{f.date_found:.2f}':>14}"
            f"{f'{f.place.precision:.2f}/{f.place_found:.2f}':>15}"
        )
    lines += ["", "Held-out figures per labeled file, pooled over the folds", ""]
    lines.append(
        f"  {'file':<24}{'articles':>9}{'topic F1':>10}{'kind F1':>9}{'names':>13}"
        f"{'ev. prec':>10}{'date P/found':>14}{'place P/found':>15}"
    )
    for name, f in sorted(report.by_source.items()):
        names = f"{f.events_matched}/{f.events_labeled} {f.name_match_rate:.2f}"
        lines.append(
            f"  {name:<24}{f.articles:>9}{f.topic_micro.f1:>10.3f}{f.kind_micro.f1:>9.3f}"
            f"{names:>13}{f.event_precision:>10.3f}"
            f"{f'{f.date.precision:.2f}/{f.date_found:.2f}':>14}"
            f"{f'{f.place.precision:.2f}/{f.place_found:.2f}':>15}"
        )
    lines += ["", "Pooled over the folds", ""]
    return "\n".join(lines + _figures(pooled) + _misses(pooled))
