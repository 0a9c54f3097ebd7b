"""`invoke stamp`, `review`, `xliff-export`, `xliff-import`, `mt-report` and
`review-site` (docs/review.md): the review loop's commands."""

from __future__ import annotations

from pathlib import Path

from .site import Site, TaskError, failing_as


def project(site: Site, publish: bool = False, verbose: bool = False):  # -> mirsad.review.api.Project
    """The project as the review commands see it. Their build's messages go
    to cache/review-build.log (its report is also in cache/last-build.json),
    so that the command's own result is what it prints; `verbose`: to the console."""
    from mirsad.review.api import Project

    settings = site.settings(publish)
    log = None if verbose else site.root / settings.get("CACHE_PATH", "cache") / "review-build.log"
    return Project(site.pelican, site.content, site.settings_file(publish), settings, site.build_lock, build_log=log)


def stamp(site: Site, files: list[Path] | None = None) -> None:
    """Mark reviewed translations as reviewed against the current originals."""
    settings = site.settings()
    from mirsad.i18n.api import stamp as stamp_file
    from mirsad.review.api import keep_source

    for path in files or sorted((site.content / "translations").glob("*.md")):
        with failing_as("stamp"):
            digest, original = stamp_file(str(path), settings)
            keep_source(original, Path(path).name.rsplit(".", 2)[0], digest, Path(path).parent)
        print(f"{path}: source_hash {digest}")


def review(site: Site, slug: str = "", lang: str = "", every: bool = False, verbose: bool = False) -> None:
    """Write a draft per briefing and language, pre-filled from the machine
    translation; an existing file is never overwritten."""
    from mirsad.review.api import machine_drafts, select, write_draft

    if bool(slug) == every:
        raise TaskError("invoke review: give --slug S (and --lang L), or --all", code=2)
    reviewed = project(site, verbose=verbose)
    with failing_as("review"):
        for draft in select(machine_drafts(reviewed), slug, lang):
            path = reviewed.translations / f"{draft.slug}.{draft.lang}.md"
            if every and (path.exists() or draft.reviewed):
                continue
            print(f"{write_draft(draft, reviewed.translations)}: draft from {draft.engine}; "
                  "correct it, then sign it (translator, reviewed)")


def xliff_export(site: Site, slug: str, lang: str, output: str, verbose: bool = False) -> None:
    """Write a briefing's segments and their machine translation as XLIFF 2.1."""
    from mirsad.review.api import machine_drafts, select_one, write_xliff

    if not (slug and lang and output):
        raise TaskError("invoke xliff-export: give --slug S --lang L --output FILE", code=2)
    from mirsad.common.output_folders import check_file_folder

    with failing_as("xliff-export"):
        target = check_file_folder(Path(output), site.folders())
        exported = project(site, verbose=verbose)
        draft = select_one(machine_drafts(exported), slug, lang)
        path = write_xliff(draft, target, exported.content)
    print(f"{path}: {len(draft.units)} units, {slug} {draft.source_lang}→{lang}, from {draft.engine}")


def xliff_import(site: Site, file: str, translator: str = "", replace: bool = False,
                 verbose: bool = False) -> None:
    """Check a translated XLIFF file against its briefing and write the reviewed translation."""
    from mirsad.review.api import import_xliff

    with failing_as("xliff-import"):
        result = import_xliff(Path(file).resolve(), project(site, verbose=verbose), translator=translator, replace=replace)
    print(f"{result.path}: " + (f"signed by {translator}" if result.signed else "a draft (status: draft)"))
    if result.replaced:
        print(f"previous file kept as {result.replaced}")
    if result.untranslated:
        print(f"untranslated (machine translation kept): {', '.join(result.untranslated)}"
              + ("; not signed until they are translated" if translator else ""))
    if result.unconfirmed:
        print(f"still in state 'initial' (the machine translation, not confirmed): {', '.join(result.unconfirmed)}")


def mt_report(site: Site, output: str, force: bool = False, verbose: bool = False) -> None:
    """Score each model's machine translation against the reviewed translations."""
    from mirsad.review.api import machine_drafts, report, write_report

    if not output:
        raise TaskError("invoke mt-report: give --output DIR (the folder for mt-report.json and mt-report.html)",
                        code=2)
    from mirsad.common.output_folders import mark

    with failing_as("mt-report"):
        target = site.output_folder(Path(output), "report", force)
        scored = project(site, verbose=verbose)
        result = report(machine_drafts(scored), site.root)
        json_path, html_path = write_report(result, target)
        mark(target)
    for model in result["models"]:
        overall = model["overall"]
        print(f"{model['pair']} {model['engine']}: {model['briefings']} briefings, {model['segments']} segments, "
              f"chrF++ {overall['chrf_pp']:.2f}, TER {overall['ter']:.2f}, "
              f"character edit ratio {overall['char_edit_ratio']:.3f}")
    for entry in result["skipped"]:
        print(f"skipped {entry['path']}: {entry['reason']}")
    print(f"{json_path}\n{html_path}")


def review_site(site: Site, output: Path, force: bool = False, verbose: bool = False) -> None:
    """Build the side-by-side review pages (not published) into `output`."""
    from mirsad.review.api import build_review_site

    with failing_as("review-site"):
        target = site.output_folder(output, "review", force)
        pages = build_review_site(project(site, verbose=verbose), target)
    print(f"{target / 'index.html'}: {len(pages)} review pages")
