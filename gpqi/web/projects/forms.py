"""The forms of a project, a PDSA cycle and an annotation; each offers only the practices the
user may edit (gpqi.access.projects.editable_practices) and the indicators with results."""

from __future__ import annotations

from django import forms

from gpqi.web.governance.models import Network, Practice
from gpqi.web.projects.models import Annotation, PdsaCycle, Project

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "title",
            "indicator_id",
            "aim_from",
            "aim_to",
            "aim_by",
            "practices",
            "network",
            "team",
            "change_ideas",
            "status",
            "progress_score",
            "limits_from",
        ]
        widgets = {"aim_by": DATE, "limits_from": DATE, "practices": forms.CheckboxSelectMultiple}
        labels = {
            "indicator_id": "Indicator",
            "aim_from": "Aim: from (%)",
            "aim_to": "Aim: to (%)",
            "aim_by": "Aim: by",
        }

    def __init__(self, *args, practices: list[str], indicators: list[tuple[str, str]], **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["practices"].queryset = Practice.objects.filter(code__in=practices).order_by("name")
        self.fields["network"].queryset = Network.objects.filter(practices__code__in=practices).distinct()
        self.fields["indicator_id"] = forms.ChoiceField(label="Indicator", choices=indicators)

    def clean(self) -> dict:
        data = super().clean()
        for name in ("aim_from", "aim_to"):
            v = data.get(name)
            if v is not None and not 0 <= v <= 100:
                self.add_error(name, "Enter a percentage between 0 and 100")
        network, chosen = data.get("network"), data.get("practices")
        if network is not None and chosen and any(p.network_id != network.pk for p in chosen):
            self.add_error("network", "Every practice of a network's project must be in that network")
        return data


class CycleForm(forms.ModelForm):
    class Meta:
        model = PdsaCycle
        fields = ["title", "start", "end", "plan", "do", "study", "act", "learning"]
        widgets = {"start": DATE, "end": DATE}

    def clean(self) -> dict:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The end must be on or after the start")
        return data


class AnnotationForm(forms.ModelForm):
    class Meta:
        model = Annotation
        fields = ["practice", "indicator_id", "date", "text"]
        widgets = {"date": DATE}
        labels = {"indicator_id": "Indicator"}

    def __init__(self, *args, practices: list[str], indicators: list[tuple[str, str]], **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["practice"].queryset = Practice.objects.filter(code__in=practices).order_by("name")
        self.fields["indicator_id"] = forms.ChoiceField(
            label="Indicator", choices=[("", "Every indicator"), *indicators], required=False
        )
