"""The editor's pages. Every view starts with `_editor(request)`: only `EDITOR_ROLES` (analyst,
admin) get past it; anyone else gets 403 on GET and POST alike, decided here on the server.

- index: the workspace library (where each definition comes from, what runs, what waits for the
  next run), a form to start one (blank, a copy of another, or an uploaded YAML file), the
  publications (who, when, checked by, the diff);
- edit: the YAML in a textarea; "Check" and "Preview" post to their own URLs with htmx and swap
  the result in place (without JavaScript the same URLs answer with the whole page);
- publish: checks again, sets `checked_by`, writes WS/indicators/<id>.yaml atomically and
  records a `Publication`; the next `gpqi run` computes it;
- codelists: upload an OpenCodelists CSV to the workspace, refused with its row and field.

Nothing in a draft is stored until it is published. The preview shows aggregate counts only.
"""

from __future__ import annotations

import difflib
import hashlib
from typing import Any

import numpy as np
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from gpqi.access import disclosure
from gpqi.access.disclosure import Policy
from gpqi.codelists import CodelistError
from gpqi.codelists.workspace import SYSTEMS, add
from gpqi.engine.preview import preview
from gpqi.engine.versions import results_versions
from gpqi.indicators.checking import MAX_BYTES
from gpqi.indicators.english import describe
from gpqi.indicators.loader import IndicatorError
from gpqi.indicators.model import DOMAINS
from gpqi.indicators.workspace import (
    STARTER,
    WorkspaceLibrary,
    check_definition,
    set_checked_by,
    workspace_library,
    write_definition,
)
from gpqi.web.accounts.models import Profile
from gpqi.web.editor.models import EDITOR_ROLES, Publication
from gpqi.web.page import Page
from gpqi.web.permissions import Access, access_for
from gpqi.web.ws import workspace
from gpqi.workspace import WorkspaceError

MAX_CODELIST_BYTES = 20 * 1024 * 1024


def _editor(request: HttpRequest) -> Access:
    access = access_for(request)
    if access.role not in EDITOR_ROLES:
        raise PermissionDenied("The indicator editor is for the central team's analysts")
    return access


def _library() -> WorkspaceLibrary:
    return workspace_library(workspace(), strict=False)


def _results_versions() -> dict[str, str]:
    return results_versions(workspace())


def waiting_for_run(indicator_id: str, lib: WorkspaceLibrary | None = None) -> bool:
    """True when the library's definition differs from the one the results were computed with."""
    lib = lib or _library()
    entry = lib.entries.get(indicator_id)
    if entry is None or not entry.selected:
        return False
    return _results_versions().get(indicator_id) != entry.indicator.version


def _starting_text(lib: WorkspaceLibrary, indicator_id: str, like: str | None, author: str) -> str:
    if like and like in lib.entries:
        text = lib.entries[like].path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        out = [f"id: {indicator_id}\n" if line.startswith("id:") else line for line in lines]
        return set_checked_by("".join(out), "")
    if indicator_id in lib.entries:
        return lib.entries[indicator_id].path.read_text(encoding="utf-8")
    return STARTER.format(id=indicator_id, title=indicator_id.replace("-", " ").capitalize() + " (draft)",
                          domains=", ".join(DOMAINS), author=author)  # fmt: skip


class StartForm(forms.Form):
    indicator_id = forms.SlugField(label="Indicator id", max_length=60,
                                   help_text="Lower-case letters, digits and hyphens, e.g. pulse-check-local")  # fmt: skip
    like = forms.ChoiceField(label="Start from", required=False)
    upload = forms.FileField(label="Or upload a YAML definition", required=False)


class CodelistForm(forms.Form):
    file = forms.FileField(label="OpenCodelists CSV download")
    slug = forms.SlugField(
        label="Slug", max_length=60, help_text="The name definitions use, e.g. pulse-check"
    )
    system = forms.ChoiceField(label="Code system", choices=[(s, s) for s in SYSTEMS])
    title = forms.CharField(label="Title", required=False, max_length=200)
    source = forms.URLField(label="Source (the OpenCodelists URL)", required=False, max_length=500)


@login_required
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    _editor(request)
    lib = _library()
    form = StartForm(request.POST or None, request.FILES or None)
    form.fields["like"].choices = [("", "A blank starting definition")] + [
        (i, f"{i}: {e.indicator.title}") for i, e in lib.entries.items()
    ]
    if request.method == "POST" and form.is_valid():
        indicator_id = form.cleaned_data["indicator_id"]
        upload = form.cleaned_data.get("upload")
        if upload is not None:
            if upload.size > MAX_BYTES:
                form.add_error("upload", f"The file is larger than {MAX_BYTES // 1024} KB: not a definition")
            else:
                data = upload.read()
                return _edit_page(request, indicator_id, data.decode("utf-8", errors="replace"), lib,
                                  check=_check(data, indicator_id, lib, upload.name))  # fmt: skip
        else:
            like = form.cleaned_data.get("like") or ""
            return redirect(reverse("editor:edit", args=[indicator_id]) + (f"?like={like}" if like else ""))
    versions = _results_versions()
    rows = [
        {"id": i, "title": e.indicator.title, "origin": e.origin_label, "runs": e.selected,
         "version": e.indicator.version, "waiting": e.selected and versions.get(i) != e.indicator.version}
        for i, e in lib.entries.items() if e.origin != "built-in"
    ]  # fmt: skip
    return render(
        request,
        "editor/index.jinja",
        {
            "page": Page("Indicator editor"),
            "form": form,
            "rows": rows,
            "problems": [str(p) for p in lib.problems],
            "publications": Publication.objects.all()[:50],
        },
    )


def _check(
    data: bytes, indicator_id: str, lib: WorkspaceLibrary, source: str | None = None
) -> dict[str, Any]:
    indicator, problems = check_definition(data, source or f"{indicator_id}.yaml", lib.codelists,
                                           expected_id=indicator_id)  # fmt: skip
    english = describe(indicator, lib.codelists.load) if indicator is not None else None
    return {"indicator": indicator, "problems": problems, "english": english}


def _checkers(request: HttpRequest) -> list[str]:
    """Other users with an editor role, who may be named as having checked a definition."""
    names = Profile.objects.filter(role__in=list(EDITOR_ROLES)).exclude(user=request.user)
    return sorted(names.values_list("user__username", flat=True))


def _edit_page(request: HttpRequest, indicator_id: str, text: str, lib: WorkspaceLibrary,
               check: dict[str, Any] | None = None, status: int = 200, **extra: Any) -> HttpResponse:  # fmt: skip
    entry = lib.entries.get(indicator_id)
    return render(
        request,
        "editor/edit.jinja",
        {
            "page": Page(f"Edit {indicator_id}"),
            "indicator_id": indicator_id,
            "text": text,
            "entry": entry,
            "check": check,
            "checkers": _checkers(request),
            "require_checked_by": workspace().config.indicators.require_checked_by,
            "waiting": waiting_for_run(indicator_id, lib),
            **extra,
        },
        status=status,
    )


@login_required
def edit(request: HttpRequest, indicator_id: str) -> HttpResponse:
    _editor(request)
    lib = _library()
    text = _starting_text(lib, indicator_id, request.GET.get("like"), request.user.get_username())
    return _edit_page(request, indicator_id, text, lib)


def _posted_text(request: HttpRequest) -> str:
    return request.POST.get("definition", "").replace("\r\n", "\n")


@login_required
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, indicator_id: str) -> HttpResponse:
    _editor(request)
    if request.method == "GET":
        return redirect("editor:edit", indicator_id)
    lib = _library()
    text = _posted_text(request)
    result = _check(text.encode("utf-8"), indicator_id, lib)
    if request.headers.get("HX-Request"):
        return render(request, "editor/_check.jinja", {"check": result, "indicator_id": indicator_id})
    return _edit_page(request, indicator_id, text, lib, check=result)


def _preview_context(access: Access, indicator_id: str, text: str, lib: WorkspaceLibrary) -> dict[str, Any]:
    result = _check(text.encode("utf-8"), indicator_id, lib)
    if result["indicator"] is None:
        return {"check": result}
    try:
        found = preview(workspace(), result["indicator"], library=lib)
    except WorkspaceError as exc:
        return {"check": result, "preview_error": str(exc)}
    policy = Policy.of(workspace())
    # Anyone outside the central team sees only the practices of shared views, disclosed.
    listed = [p for p in found.practices if access.sees_all_raw or p.practice_code in access.shared]
    codes = [p.practice_code for p in listed]
    own = np.array([not access.needs_disclosure(code) for code in codes], dtype=bool)

    def shown(values: list[int]) -> list[Any]:
        # A practice's counts: raw to its own users and the central team, else disclosed.
        raw = np.asarray(values, dtype="float64")
        out = np.where(own, raw, disclosure.counts(policy, raw))
        return [None if v != v else int(v) for v in out]

    den = shown([p.denominator for p in listed])
    num = shown([p.numerator for p in listed])
    exc = shown([p.excluded for p in listed])
    practices = [
        {"code": code, "denominator": d, "numerator": n, "excluded": e,
         "value": n / d if d and n is not None else None}
        for code, d, n, e in zip(codes, den, num, exc, strict=True)
    ]  # fmt: skip
    attrition = []
    for step in found.attrition:
        # A total over practices: the viewer's own part raw, the others' part disclosed.
        parts = {c: n for c, n in step.by_practice.items() if access.sees_all_raw or c in access.shared}
        mine = sum(n for c, n in parts.items() if not access.needs_disclosure(c))
        others = sum(parts.values()) - mine
        has_others = any(access.needs_disclosure(c) for c in parts)
        total = disclosure.totals(policy, [mine], [others], [has_others])[0]
        attrition.append(
            {"part": step.part, "label": step.label, "total": None if total != total else int(total)}
        )
    return {"check": result, "preview": found, "practices": practices, "attrition": attrition,
            "raw": access.sees_all_raw}  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def preview_view(request: HttpRequest, indicator_id: str) -> HttpResponse:
    access = _editor(request)
    if request.method == "GET":
        return redirect("editor:edit", indicator_id)
    lib = _library()
    text = _posted_text(request)
    context = _preview_context(access, indicator_id, text, lib)
    if request.headers.get("HX-Request"):
        return render(request, "editor/_preview_response.jinja", {**context, "indicator_id": indicator_id})
    return _edit_page(request, indicator_id, text, lib, check=context["check"], previewed=context)


@login_required
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, indicator_id: str) -> HttpResponse:
    access = _editor(request)
    if request.method == "GET":
        return redirect("editor:edit", indicator_id)
    lib = _library()
    text = _posted_text(request)
    checked_by = request.POST.get("checked_by", "").strip()
    errors = []
    if checked_by and checked_by not in _checkers(request):
        errors.append("Checked by: choose another member of the central team (not yourself)")
    if workspace().config.indicators.require_checked_by and not checked_by:
        errors.append(
            "Checked by: this programme publishes a definition only when a second person has checked it"
        )
    text = set_checked_by(text, checked_by)
    result = _check(text.encode("utf-8"), indicator_id, lib)
    if result["indicator"] is None or errors:
        return _edit_page(request, indicator_id, text, lib, check=result, publish_errors=errors, status=400)
    previous = lib.entries.get(indicator_id)
    old_text = previous.path.read_text(encoding="utf-8") if previous else ""
    diff = "".join(difflib.unified_diff(old_text.splitlines(keepends=True), text.splitlines(keepends=True),
                                        fromfile=f"{indicator_id}.yaml (before)", tofile=f"{indicator_id}.yaml"))  # fmt: skip
    with transaction.atomic():
        Publication.objects.create(
            indicator_id=indicator_id,
            version=result["indicator"].version,
            previous_version=previous.indicator.version if previous else "",
            published_by=request.user.get_username(),
            role=access.role,
            checked_by=checked_by,
            diff=diff or "(no change)",
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        )
        try:
            write_definition(workspace().root, indicator_id, text)
        except (OSError, IndicatorError) as exc:
            # The row is rolled back with the transaction: nothing recorded that was not written.
            raise RuntimeError(f"could not write the definition: {type(exc).__name__}") from None
    return redirect(reverse("editor:index") + f"?published={indicator_id}")


@login_required
@require_http_methods(["GET", "POST"])
def codelists(request: HttpRequest) -> HttpResponse:
    _editor(request)
    form = CodelistForm(request.POST or None, request.FILES or None)
    added = None
    refused = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_CODELIST_BYTES:
            refused = f"{upload.name}: larger than a codelist can be"
        else:
            try:
                added = add(workspace().root, data=upload.read(), filename=upload.name,
                            slug=form.cleaned_data["slug"], system=form.cleaned_data["system"],
                            title=form.cleaned_data["title"], source=form.cleaned_data["source"],
                            added_by=request.user.get_username())  # fmt: skip
                form = CodelistForm()
            except CodelistError as exc:
                refused = str(exc)
    lib = _library().codelists
    return render(
        request,
        "editor/codelists.jinja",
        {
            "page": Page("Codelists"),
            "form": form,
            "added": added,
            "refused": refused,
            "entries": list(lib.workspace_entries().values()),
        },  # fmt: skip
        status=400 if refused else 200,
    )


@login_required
def publication(request: HttpRequest, pk: int) -> HttpResponse:
    _editor(request)
    found = Publication.objects.filter(pk=pk).first()
    if found is None:
        raise Http404("No such publication")
    return render(request, "editor/publication.jinja", {"page": Page("Publication"), "p": found})
