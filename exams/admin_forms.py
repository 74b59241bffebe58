"""Forms of the question bank's Wagtail admin (questions, categories, import).

The question form edits the *current version* through extra fields; saving goes
through ``save_question`` (see ``exams.wagtail_admin.views``), so editing a question an
attempt has used makes a new version instead of changing what was shown.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from exams import qtypes
from exams.formats.xlsx import FILL_SPLIT_RE
from exams.models import Difficulty, Question, QuestionCategory, QuestionType
from exams.richtext import html_to_text_exact, is_plain_html, looks_like_html, plain_to_html, sanitize_html
from exams.selectors.questions import format_citation, resolve_citation, split_citations
from exams.services.question_import import FORMATS
from exams.services.questions import build_content, save_category, validate_content

OPTION_LETTERS = "ABCDEFGH"
FIELD_BY_ERROR = {
    "stem": "stem",
    "points": "points",
    "difficulty": "difficulty",
    "accepted_answers": "accepted_answers",
    "data": "answer_spec",
}
#: The form's answer fields each editor kind (``QType.editor_fields``) uses.
EDITOR_FIELDS = {
    "options": "option_A",
    "truefalse": "truefalse_answer",
    "accepted": "accepted_answers",
    "spec": "answer_spec",
}


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_path


def _category_queryset():
    return QuestionCategory.objects.order_by("path")


def html_for_editing(value: str) -> str:
    """What the textarea shows: plain text for plain content, the HTML otherwise."""
    return html_to_text_exact(value) if is_plain_html(value) else value


def html_from_editing(value: str) -> str:
    return sanitize_html(value) if looks_like_html(value) else plain_to_html(value)


def _option_fields() -> dict:
    fields = {}
    for letter in OPTION_LETTERS:
        fields[f"option_{letter}"] = forms.CharField(label=_("选项 %(l)s") % {"l": letter}, required=False)
        fields[f"correct_{letter}"] = forms.BooleanField(label=_("正确"), required=False)
        fields[f"fraction_{letter}"] = forms.DecimalField(
            label=_("部分得分 %"), required=False, min_value=-100, max_value=100, decimal_places=5
        )
    return fields


#: Options A–H as declared fields (panels can only place fields the form class declares).
OptionFields = type("OptionFields", (forms.Form,), _option_fields())


class QuestionAdminForm(WagtailAdminModelForm, OptionFields):
    """Question identity (model fields) + the current version's content (extra fields)."""

    category = CategoryChoiceField(label=_("分类"), queryset=QuestionCategory.objects.none())
    stem = forms.CharField(
        label=_("题干"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("纯文本即可；如需格式（表格、加粗），可直接写 HTML。填空处可写作 ______。"),
    )
    truefalse_answer = forms.TypedChoiceField(
        label=_("判断题答案"),
        required=False,
        choices=[("", "—"), ("T", _("正确")), ("F", _("错误"))],
        help_text=_("仅判断题填写。"),
    )
    accepted_answers = forms.CharField(
        label=_("参考答案"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("填空题：每行一个可接受的答案（判分忽略全角半角、空格和大小写）。简答题：给阅卷人的参考答案。"),
    )
    answer_spec = forms.CharField(
        label=_("答案设置"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("匹配题、排序题、数值题、完形填空和选词填空的答案，写法见下方说明。"),
    )
    points = forms.DecimalField(
        label=_("分值"), min_value=Decimal("0.01"), max_value=Decimal("1000"), decimal_places=2, initial=Decimal("1")
    )
    difficulty = forms.ChoiceField(label=_("难度"), choices=Difficulty.choices, initial=Difficulty.MEDIUM)
    explanation = forms.CharField(label=_("解析"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    law_citations = forms.CharField(
        label=_("考查法条"),
        required=False,
        help_text=_("如“行政处罚法第五十九条”，多个用“；”分隔；须已在法规库中。"),
    )

    class Meta:
        model = Question
        fields = ["category", "type", "name", "idnumber", "tags", "is_archived"]

    class Media:
        js = ["exams/question_form.js"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = _category_queryset()
        version = self.instance.current_version if self.instance.pk else None
        if version is not None:
            self._load(version)
        kinds = qtypes.all_types()
        self.fields["type"].widget.attrs.update(
            {
                "data-editor-fields": json.dumps(
                    {t.name: [EDITOR_FIELDS[f] for f in t.editor_fields] for t in kinds}, ensure_ascii=False
                ),
                "data-editor-help": json.dumps({t.name: str(t.editor_help) for t in kinds}, ensure_ascii=False),
            }
        )

    def _load(self, version) -> None:
        initial = {
            "stem": html_for_editing(version.stem),
            "points": version.points,
            "difficulty": version.difficulty,
            "explanation": html_for_editing(version.explanation),
            "accepted_answers": "\n".join(version.accepted_answers),
            "law_citations": "；".join(
                format_citation(a) for a in self.instance.law_articles.select_related("version__law")
            ),
        }
        kind = qtypes.get(self.instance.type)
        if "spec" in kind.editor_fields:
            initial["answer_spec"] = kind.editor_text(
                stem=version.stem, options=version.options, accepted=version.accepted_answers, data=version.data
            )
        elif self.instance.type == QuestionType.TRUEFALSE:
            initial["truefalse_answer"] = "T" if any(o["key"] == "T" and o["correct"] for o in version.options) else "F"
        else:
            for letter, option in zip(OPTION_LETTERS, version.options, strict=False):
                initial[f"option_{letter}"] = option["text"]
                initial[f"correct_{letter}"] = option["correct"]
                initial[f"fraction_{letter}"] = Decimal(option["fraction"]) * 100
        for name, value in initial.items():
            self.initial.setdefault(name, value)

    def _options(self, qtype: str) -> list[dict]:
        if qtype == QuestionType.TRUEFALSE:
            answer = self.cleaned_data.get("truefalse_answer")
            if not answer:
                self.add_error("truefalse_answer", _("请选择判断题的答案。"))
            return [{"key": "T", "correct": answer == "T"}, {"key": "F", "correct": answer == "F"}]
        if "options" not in qtypes.get(qtype).editor_fields:
            return []
        options = []
        for letter in OPTION_LETTERS:
            text = (self.cleaned_data.get(f"option_{letter}") or "").strip()
            if not text:
                continue
            fraction = self.cleaned_data.get(f"fraction_{letter}")
            options.append(
                {
                    "text": text,
                    "correct": bool(self.cleaned_data.get(f"correct_{letter}")),
                    "fraction": None if fraction is None else fraction / 100,
                }
            )
        return options

    def clean(self):
        cleaned = super().clean()
        qtype = cleaned.get("type")
        if not qtype:
            return cleaned
        kind = qtypes.find(qtype)
        if kind is None:
            return cleaned
        data = {}
        lines = (cleaned.get("accepted_answers") or "").splitlines()
        if qtype == QuestionType.FILL:
            lines = [a for line in lines for a in FILL_SPLIT_RE.split(line)]
        elif qtype == QuestionType.SHORT:
            lines = ["\n".join(lines).strip()] if "".join(lines).strip() else []
        options = self._options(qtype)
        if "spec" in kind.editor_fields:
            try:
                options, lines, data = kind.parse_editor(cleaned.get("answer_spec") or "")
            except ValueError as exc:
                self.add_error("answer_spec", str(exc))
                return cleaned
        try:
            content = build_content(
                qtype=qtype,
                stem=html_from_editing(cleaned.get("stem", "")),
                options=options,
                data=data,
                accepted_answers=lines,
                # An unparsable points value already has its own field error.
                points=cleaned.get("points") or (Decimal("1") if "points" in self.errors else Decimal("0")),
                difficulty=cleaned.get("difficulty"),
                explanation=html_from_editing(cleaned.get("explanation", "")),
            )
            validate_content(qtype, content)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                target = FIELD_BY_ERROR.get(field)
                if field == "options":
                    target = EDITOR_FIELDS[kind.editor_fields[0]] if kind.editor_fields else "option_A"
                if target in self.errors:  # the field's own error says it already
                    continue
                for message in messages:
                    self.add_error(target, message)
            return cleaned
        articles = []
        for ref in split_citations(cleaned.get("law_citations", "")):
            article = resolve_citation(ref)
            if article is None:
                self.add_error("law_citations", _("法规库中找不到“%(r)s”。") % {"r": ref})
            else:
                articles.append(article)
        self.content = content
        self.articles = articles
        return cleaned


class CategoryAdminForm(WagtailAdminModelForm):
    parent = CategoryChoiceField(
        label=_("上级分类"), queryset=QuestionCategory.objects.none(), required=False, help_text=_("留空为顶级分类。")
    )

    class Meta:
        model = QuestionCategory
        fields = ["name", "description", "open_for_practice"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = _category_queryset()
        if self.instance.pk:
            queryset = queryset.exclude(path__startswith=self.instance.path)
            parent = self.instance.get_parent()
            self.initial.setdefault("parent", parent.pk if parent else None)
        self.fields["parent"].queryset = queryset

    def save(self, commit=True):
        return save_category(
            category=self.instance if self.instance.pk else None,
            name=self.cleaned_data["name"],
            parent=self.cleaned_data.get("parent"),
            description=self.cleaned_data.get("description", ""),
            open_for_practice=self.cleaned_data.get("open_for_practice", False),
        )

    def clean(self):
        cleaned = super().clean()
        name = (cleaned.get("name") or "").strip()
        parent = cleaned.get("parent")
        siblings = QuestionCategory.get_root_nodes() if parent is None else parent.get_children()
        if name and siblings.filter(name=name).exclude(pk=self.instance.pk).exists():
            self.add_error("name", _("同一上级下已有名为“%(n)s”的分类。") % {"n": name})
        return cleaned


class QuestionImportForm(forms.Form):
    file = forms.FileField(label=_("题库文件"))
    format = forms.ChoiceField(label=_("格式"), choices=[(k, v[0]) for k, v in FORMATS.items()])
    category = forms.CharField(
        label=_("导入到分类"),
        required=False,
        help_text=_(
            "如“法律知识/行政处罚法”，不存在时自动创建；文件中的分类放在它下面。留空则按文件中的分类（没有时为“未分类”）。"
        ),
    )
    skip_unsupported = forms.BooleanField(
        label=_("跳过无法表示的题型"),
        required=False,
        help_text=_("计算题、图片拖放等本平台没有的题型：不勾选时整个文件不导入；勾选后跳过这些题并在警告中列出。"),
    )
