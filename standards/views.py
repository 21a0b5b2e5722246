"""Frameworks and their versions: public reading pages and the steward's co-production pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.shortcuts import attempt, form_page, get_object_for_user
from core.types import AuthenticatedHttpRequest
from core.workflow import (
    available_transitions,
    blocked_transitions,
)
from organisations.models import Borough, Organisation
from standards import compare, queries, spreadsheet, workflow
from standards.forms import AnswerForm, CommentForm, FrameworkForm, ImportForm, ReasonForm, VersionDetailsForm
from standards.models import Comment, Framework, FrameworkVersion, Indicator, Standard, Theme

VIEW_VERSION = "standards.view_frameworkversion"
MANAGE_VERSION = "standards.manage_frameworkversion"


def _version(request: HttpRequest, slug: str, number: int, perm: str | None = None) -> FrameworkVersion:
    return get_object_for_user(
        request,
        FrameworkVersion.objects.select_related("framework", "previous"),
        view_perm=VIEW_VERSION,
        perm=perm,
        framework__slug=slug,
        number=number,
    )


def framework_list(request: HttpRequest) -> HttpResponse:
    frameworks = queries.frameworks_visible_to(request.user).prefetch_related(
        Prefetch("versions", queryset=queries.versions_visible_to(request.user).order_by("-number"), to_attr="visible")
    )
    return render(request, "standards/framework_list.html", {"frameworks": frameworks})


def framework_detail(request: HttpRequest, slug: str) -> HttpResponse:
    framework = get_object_for_user(
        request, Framework.objects.prefetch_related("owners", "levels"), view_perm="standards.view_framework", slug=slug
    )
    versions = list(queries.versions_visible_to(request.user).filter(framework=framework).order_by("-number"))
    if not versions:
        raise Http404
    return render(
        request,
        "standards/framework_detail.html",
        {
            "framework": framework,
            "versions": versions,
            "can_manage": request.user.has_perm("standards.change_framework", framework),
        },
    )


@login_required
def framework_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not request.user.has_perm("standards.add_framework"):
        raise PermissionDenied
    return form_page(
        request,
        "standards/framework_form.html",
        FrameworkForm(request.POST or None),
        {},
        lambda data: workflow.create_framework(by=request.user, **data),
        "The framework has been created with an empty draft version 1.",
        lambda framework: framework.versions.get().get_absolute_url(),
    )


@login_required
@require_POST
def version_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    framework = get_object_for_user(
        request, Framework, view_perm="standards.view_framework", perm="standards.change_framework", slug=slug
    )
    if attempt(
        request,
        lambda: workflow.start_new_version(framework, by=request.user),
        lambda version: f"Version {version.number} has been started as a copy of the latest version.",
    ):
        return redirect(framework.versions.order_by("-number").first())
    return redirect(framework)


def version_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    version = _version(request, slug, number)
    themes = version.themes.prefetch_related(
        Prefetch(
            "standards",
            queryset=Standard.objects.order_by("position").prefetch_related(
                Prefetch("indicators", queryset=Indicator.objects.order_by("position"))
            ),
        )
    )
    user = request.user
    can_manage = user.has_perm(MANAGE_VERSION, version)
    comment_counts = version.comments.aggregate(
        total=Count("id"), unanswered=Count("id", filter=Q(answer=Comment.Answer.UNANSWERED))
    )
    return render(
        request,
        "standards/version_detail.html",
        {
            "version": version,
            "framework": version.framework,
            "themes": themes,
            "levels": version.framework.levels.all(),
            "transitions": available_transitions(version, user) if user.is_authenticated else [],
            "blocked": blocked_transitions(version, user) if user.is_authenticated else [],
            "can_manage": can_manage,
            "can_comment": user.has_perm("standards.comment_frameworkversion", version),
            "comment_counts": comment_counts,
            "reason_form": ReasonForm(),
        },
    )


@login_required
def version_edit(request: AuthenticatedHttpRequest, slug: str, number: int) -> HttpResponse:
    version = _version(request, slug, number, perm=MANAGE_VERSION)
    if version.is_frozen:
        raise PermissionDenied
    return form_page(
        request,
        "standards/version_form.html",
        VersionDetailsForm(request.POST or None, instance=version),
        {"version": version},
        lambda data: workflow.update_version_details(
            FrameworkVersion.objects.get(pk=version.pk),
            by=request.user,
            summary=data["summary"],
            consultation_opens_on=data["consultation_opens_on"],
            consultation_closes_on=data["consultation_closes_on"],
        ),
        "The version's details have been saved.",
        version,
    )


@login_required
def version_import(request: AuthenticatedHttpRequest, slug: str, number: int) -> HttpResponse:
    version = _version(request, slug, number, perm=MANAGE_VERSION)
    if not version.is_draft:
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > spreadsheet.MAX_BYTES:
                raise spreadsheet.SpreadsheetError(["The file is too large: the limit is 2 MB."])
            parsed = spreadsheet.read(upload.read(spreadsheet.MAX_BYTES + 1), upload.name)
            workflow.import_version(version, parsed, by=request.user)
        except spreadsheet.SpreadsheetError as error:
            problems = error.problems
            form.add_error(
                "file",
                f"The spreadsheet has {len(problems)} problem{'s' if len(problems) > 1 else ''}; "
                "nothing was imported. See the list below.",
            )
        else:
            themes, standards, indicators = parsed.counts
            messages.success(request, f"Imported {themes} themes, {standards} standards and {indicators} indicators.")
            return redirect(version)
    return render(request, "standards/version_import.html", {"form": form, "version": version, "problems": problems})


def version_export(request: HttpRequest, slug: str, number: int, fmt: str) -> HttpResponse:
    version = _version(request, slug, number)
    filename = f"{version.framework.slug}-v{version.number}"
    if fmt == "csv":
        response = HttpResponse(spreadsheet.export_csv(version), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(
            spreadsheet.export_xlsx(version),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


@login_required
@require_POST
def version_transition(request: AuthenticatedHttpRequest, slug: str, number: int, name: str) -> HttpResponse:
    version = _version(request, slug, number)
    reason = request.POST.get("reason", "")
    if name not in workflow.VERSION_MOVES:
        raise Http404
    done = {
        "open_consultation": "The consultation is open.",
        "publish": "The version is published.",
        "retire": "The version is retired.",
    }
    attempt(request, lambda: workflow.perform_version_move(version, name, by=request.user, reason=reason), done[name])
    return redirect(version)


@login_required
@require_POST
def version_close_early(request: AuthenticatedHttpRequest, slug: str, number: int) -> HttpResponse:
    version = _version(request, slug, number, perm=MANAGE_VERSION)
    attempt(
        request,
        lambda: workflow.close_consultation_early(version, by=request.user, reason=request.POST.get("reason", "")),
        "The consultation is closed. Answer every comment, then publish.",
    )
    return redirect(version)


def version_changes(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    version = _version(request, slug, number)
    others = queries.versions_visible_to(request.user).filter(framework=version.framework).exclude(pk=version.pk)
    try:
        from_number = int(request.GET.get("from", version.previous.number if version.previous else 0))
    except ValueError:
        from_number = 0
    old = others.filter(number=from_number).first()
    changes = compare.compare(old, version) if old else []
    return render(
        request,
        "standards/version_changes.html",
        {
            "version": version,
            "framework": version.framework,
            "old": old,
            "others": others.order_by("-number"),
            "changes": changes,
            "summary": compare.summary(changes),
        },
    )


def version_you_said(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    version = _version(request, slug, number)
    comments = list(
        version.comments.select_related("author", "theme", "standard", "indicator__standard").order_by("created_at")
    )
    kinds = dict(Organisation.Kind.choices)
    by_kind: dict[str, int] = {}
    by_borough: dict[str, int] = {}
    for comment in comments:
        label = kinds.get(comment.organisation_kind, "Individual or not stated")
        by_kind[label] = by_kind.get(label, 0) + 1
        for code in comment.borough_codes:
            by_borough[code] = by_borough.get(code, 0) + 1
    borough_names = dict(Borough.objects.values_list("ons_code", "name"))
    return render(
        request,
        "standards/version_you_said.html",
        {
            "version": version,
            "framework": version.framework,
            "comments": comments,
            "by_kind": sorted(by_kind.items(), key=lambda kv: (-kv[1], kv[0])),
            "by_borough": sorted(
                ((borough_names.get(c, c), n) for c, n in by_borough.items()), key=lambda kv: (-kv[1], kv[0])
            ),
            "people": len({c.author_id for c in comments}),
            "answer_counts": {
                label: sum(1 for c in comments if c.answer == value) for value, label in Comment.Answer.choices
            },
            "can_answer": request.user.has_perm("standards.answer_comment", version),
        },
    )


def _target(version: FrameworkVersion, value: str) -> dict[str, object]:
    kind, _, pk = value.partition(":")
    models = {"theme": Theme, "standard": Standard, "indicator": Indicator}
    if kind == "framework" or kind not in models:
        return {}
    obj = models[kind].objects.filter(pk=pk).first() if pk.isdigit() else None
    if obj is None or obj.owning_version().pk != version.pk:
        raise ValidationError({"target": "Choose a part of this version."})
    return {kind: obj}


@login_required
def comment_create(request: AuthenticatedHttpRequest, slug: str, number: int) -> HttpResponse:
    version = _version(request, slug, number, perm="standards.comment_frameworkversion")
    return form_page(
        request,
        "standards/comment_form.html",
        CommentForm(request.POST or None, version=version, initial={"target": request.GET.get("on", "framework")}),
        {"version": version},
        lambda data: workflow.add_comment(
            version,
            by=request.user,
            kind=data["kind"],
            text=data["text"],
            show_name=data["show_name"],
            **_target(version, data["target"]),
        ),
        "Thank you: your comment has been recorded. The steward will answer it publicly.",
        version,
    )


@login_required
def comment_answer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    comment = get_object_for_user(
        request,
        Comment.objects.select_related("version__framework", "author"),
        view_perm="standards.answer_comment",
        pk=pk,
    )
    version = comment.version
    return form_page(
        request,
        "standards/comment_answer.html",
        AnswerForm(request.POST or None, initial={"answer": comment.answer, "response": comment.response}),
        {"comment": comment, "version": version},
        lambda data: workflow.answer_comment(comment, by=request.user, **data),
        "Your answer has been saved and appears on the public page.",
        reverse("standards:version-you-said", args=[version.framework.slug, version.number]),
    )
