"""``/ops/launch/report``: the plan's success metrics against their targets, for launch day
06:00 local to now by default, or a window chosen in the form."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from midas.errors import AppError
from midas.launch.console import launch_view, refused
from midas.launch.report import launch_report

NAV = (90, "Report", "launch_console:report")
TEMPLATE = "launch/console/report.html"
GROUPS = (
    ("technical", "Technical"),
    ("business", "Business"),
    ("experience", "User experience"),
)


class WindowForm(forms.Form):
    start = forms.DateTimeField(required=False, label="From")
    end = forms.DateTimeField(required=False, label="To")


@launch_view()
def report(request: HttpRequest) -> HttpResponse:
    form = WindowForm(request.GET or None)
    context: dict = {"form": form, "report": None, "groups": []}
    if form.is_bound and not form.is_valid():
        return render(request, TEMPLATE, context, status=400)
    data = form.cleaned_data if form.is_bound else {}
    try:
        result = launch_report(start=data.get("start"), end=data.get("end"))
    except AppError as exc:
        return refused(request, exc, TEMPLATE, context)
    context["report"] = result
    context["groups"] = [
        (title, [row for row in result.rows if row.group == key]) for key, title in GROUPS
    ]
    return render(request, TEMPLATE, context)


urlpatterns = [path("report", report, name="report")]
