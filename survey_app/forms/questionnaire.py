"""The respondent form, built from a questionnaire definition.

Field names are stable and derived from the data (``q_<item id>``, ``comune``, ``service``,
``role``, ``comment``, ``submission_id``), so a form rendered before a restart is still
understood after it, and paper entry can reuse the same form.
"""

from __future__ import annotations

import uuid
from functools import lru_cache
from urllib.parse import unquote_to_bytes

from babel.support import Translations
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.i18n import messages_path
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from survey_app.caching import BoundedCache
from survey_app.questionnaires.definition import Questionnaire, localized
from survey_app.respond.submission import Submission

#: the form value of "non so / non applicabile"
DONT_KNOW = "na"
#: the form value of an item left blank on a paper questionnaire (offered to operators only)
NOT_ANSWERED = "blank"
#: its label: a choice of the operator's, never of the respondent's
NOT_ANSWERED_LABEL = _l("Nessuna risposta (lasciato in bianco)")
ROLE_LABELS = {
    "beneficiary": _l("Persona che usa il servizio"),
    "carer": _l("Familiare o persona che assiste (caregiver)"),
    "partner_operator": _l("Operatore di un ente partner"),
    "citizen": _l("Cittadino o cittadina"),
}


#: the label of a context question whose questionnaire gives none
CONTEXT_LABELS = {"comune": _l("Comune"), "service": _l("Servizio"), "role": _l("Chi risponde?")}


ENTRY_CHANNEL_LABELS = {
    "paper": _l("Questionario cartaceo riconsegnato"),
    "assisted": _l("Risposte date con l'aiuto di un operatore"),
}


def item_field_name(item_id: str) -> str:
    """Return the form field name of a Likert item."""
    return f"q_{item_id}"


def is_submission_id(value) -> bool:
    """Tell whether *value* is written as the ids :func:`new_submission_id` gives."""
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value
    except ValueError:
        return False


def _valid_uuid(_form, field) -> None:
    if not is_submission_id(field.data):
        raise ValidationError(_l("Identificativo di invio non valido."))


class ScaleField(RadioField):
    """A statement's radio buttons: a RadioField whose choices are fixed when the form class is built.

    WTForms checks a posted value by building every choice anew (a ``Choice`` each, with its
    label and whether it is selected); this field looks the value up among the choices' values,
    with the same outcome. It is checked for every statement of every submission (issue 17).
    """

    #: WTForms' own message, translated by WTForms' catalog (so not a message of ours to extract)
    INVALID_CHOICE = "Not a valid choice."

    def pre_validate(self, form):
        if self.process_errors or not self.validate_choice:
            return
        if self.data not in {self.coerce(choice.value) for choice in self.choices}:
            raise ValidationError(self.invalid_choice_message or self.gettext(self.INVALID_CHOICE))


#: the honeypot: hidden from people, filled by naive bots
HONEYPOT_FIELD = "website"


class QuestionnaireForm(FlaskForm):
    """Base class of every generated questionnaire form."""

    submission_id = HiddenField(validators=[_valid_uuid])
    #: signed time at which the form was first shown (see survey_app.respond.antibot)
    started = HiddenField()
    website = StringField(_l("Non compilare questo campo"), validators=[Length(max=0)])

    class Meta:
        # the CSRF field is checked by the view, which re-renders the answers when it fails
        csrf_field_name = "csrf_token"

        def get_translations(self, form):
            # Flask-WTF reads WTForms' catalog from disk on every request; this form is on
            # every respondent's path, so the catalog is read once per language instead
            return _wtforms_translations(str(get_locale()))


@lru_cache(maxsize=32)
def _wtforms_translations(locale: str) -> Translations:
    """Return WTForms' own messages ("Not a valid choice"...) in *locale*, read once."""
    return Translations.load(messages_path(), [locale], domain="wtforms")


def build_questionnaire_form(
    questionnaire: Questionnaire,
    language: str,
    comuni: list[tuple[int, str]],
    *,
    ask_comune: bool = True,
    ask_service: bool = True,
    ask_panel_code: bool = False,
    ask_channel: bool = False,
    formdata=None,
    csrf: bool = True,
    cached: bool = True,
) -> QuestionnaireForm:
    """Return a form instance for *questionnaire* in *language*.

    :param comuni: ``(id, name)`` pairs offered for the comune question.
    :param ask_comune: ``False`` when the round is limited to one comune.
    :param ask_service: ``False`` when the round is limited to one service.
    :param ask_panel_code: ``True`` for panel rounds: the respondent types the code of their card.
    :param ask_channel: ``True`` when an operator types the answers in: paper or assisted.
    :param formdata: submitted data to validate (``None`` binds the request data when there is any).
    :param cached: ``False`` for a draft's preview: its id and version do not yet identify its
        content, so its form class must not be kept where a published version would find it.
    """
    options = form_options(language, comuni, ask_comune=ask_comune, ask_service=ask_service,
                           ask_panel_code=ask_panel_code, ask_channel=ask_channel)
    form_class = _form_class(questionnaire, options) if cached else _make_form_class(questionnaire, *options)
    kwargs = {} if csrf else {"meta": {"csrf": False}}
    if formdata is not None:
        kwargs["formdata"] = formdata
    return form_class(**kwargs)


def form_options(language: str, comuni, *, ask_comune: bool = True, ask_service: bool = True,
                 ask_panel_code: bool = False, ask_channel: bool = False) -> tuple:
    """Return the options of :func:`build_questionnaire_form` that shape the form class, as a key."""
    return (language, tuple(comuni), ask_comune, ask_service, ask_panel_code, ask_channel)


def form_class_key(questionnaire: Questionnaire, options: tuple) -> tuple:
    """Return what identifies the form class of *questionnaire* with *options* (see :func:`form_options`).

    A stored version never changes content (loading refuses that), so its id and version
    identify its fields.
    """
    return (questionnaire.id, questionnaire.version, options)


#: form classes by questionnaire version and options; building one costs more than rendering it
_FORM_CLASSES: BoundedCache[type[QuestionnaireForm]] = BoundedCache(256)


def _form_class(questionnaire: Questionnaire, options: tuple) -> type[QuestionnaireForm]:
    """Return the form class of *questionnaire* with *options*, built once per version
    (labels that follow the interface language stay lazy strings)."""
    return _FORM_CLASSES.get_or_build(form_class_key(questionnaire, options),
                                      lambda: _make_form_class(questionnaire, *options))


def _make_form_class(questionnaire: Questionnaire, language: str, comuni: tuple, ask_comune: bool,
                     ask_service: bool, ask_panel_code: bool, ask_channel: bool) -> type[QuestionnaireForm]:
    class GeneratedForm(QuestionnaireForm):
        pass

    if ask_channel:
        GeneratedForm.channel = RadioField(
            _l("Come sono state date queste risposte?"),
            choices=[SelectChoice(channel, label) for channel, label in ENTRY_CHANNEL_LABELS.items()],
            validators=[InputRequired(message=_l("Scegli una risposta."))],
        )
    if ask_panel_code:
        GeneratedForm.panel_code = StringField(
            _l("Codice della tua tessera"),
            description=_l("È il codice stampato sulla tessera che ti hanno dato, per esempio 7KQ2-M9XD-4HTB-RW."),
            validators=[InputRequired(message=_l("Scrivi il codice della tua tessera.")), Length(max=40)],
        )

    for item in questionnaire.items:
        choices = [SelectChoice(str(point), localized(label, language)) for point, label in
                   enumerate(item.scale.labels, start=1)]
        if item.scale.dont_know:
            choices.append(SelectChoice(DONT_KNOW, localized(item.scale.dont_know, language)))
        if ask_channel:
            # typed from paper: an empty box is recorded as such, never as "non so"
            choices.append(SelectChoice(NOT_ANSWERED, NOT_ANSWERED_LABEL))
        required = InputRequired(message=_l("Scegli una risposta.")) if item.required else _not_chosen()
        setattr(GeneratedForm, item_field_name(item.id),
                ScaleField(localized(item.text, language), choices=choices, validators=[required]))

    comune_question = questionnaire.context_question("comune")
    if comune_question and ask_comune:
        GeneratedForm.comune = SelectField(localized(comune_question.get("label"), language) or CONTEXT_LABELS["comune"], choices=[SelectChoice("", _l("— scegli —"))] + [SelectChoice(str(cid), name) for cid, name in comuni], validators=[_required_choice(comune_question)])
    service_question = questionnaire.context_question("service")
    if service_question and ask_service:
        GeneratedForm.service = RadioField(localized(service_question.get("label"), language) or CONTEXT_LABELS["service"], choices=[SelectChoice(o["id"], localized(o["label"], language)) for o in service_question["options"]], validators=[_required_choice(service_question)])
    role_question = questionnaire.context_question("role")
    if role_question:
        GeneratedForm.role = RadioField(localized(role_question.get("label"), language) or CONTEXT_LABELS["role"], choices=[SelectChoice(role, ROLE_LABELS[role]) for role in role_question["options"]], validators=[_required_choice(role_question)])
    if questionnaire.comment:
        max_length = questionnaire.comment.get("max_length", 1000)
        GeneratedForm.comment = TextAreaField(localized(questionnaire.comment["label"], language), description=localized(questionnaire.comment.get("hint"), language), validators=[Optional(), Length(max=max_length, message=_l("Il commento è troppo lungo: al massimo %(max)d caratteri.", max=max_length))])
    return GeneratedForm


def _required_choice(question: dict):
    if question.get("required"):
        return InputRequired(message=_l("Scegli una risposta."))
    return _not_chosen()


def _not_chosen() -> Optional:
    """Let an optional choice be left out, and only that: WTForms' default ``Optional`` also
    takes a value of spaces for "left out" and drops the "not a valid choice" error with it,
    so a posted ``" "`` would reach the database."""
    return Optional(strip_whitespace=False)


def unexpected_fields(formdata, form: QuestionnaireForm) -> list[str]:
    """Return why *formdata* is not something this form could have sent (empty when it could).

    WTForms ignores unknown fields and keeps the first of repeated ones; a questionnaire
    post with either is forged or broken, so it is refused as a whole rather than half-read.
    """
    problems = []
    known = set(form._fields)
    for name in formdata.keys():
        values = formdata.getlist(name)
        if name not in known:
            problems.append(f"unknown field {name[:40]!r}")
        elif len(values) > 1:
            problems.append(f"field {name[:40]!r} sent {len(values)} times")
        if "\x00" in name or any("\x00" in value for value in values):
            problems.append(f"NUL character in field {name[:40]!r}")
    return problems


def unreadable_fields(raw_body: bytes, mimetype: str, formdata) -> list[str]:
    """Return the names of the fields whose values are not valid UTF-8 as sent.

    Werkzeug decodes what it cannot read into other text (percent escapes kept for a URL-encoded
    body, U+FFFD in a multipart one), which would be stored as if the person had typed it.
    """
    if mimetype == "application/x-www-form-urlencoded":
        names = []
        for pair in raw_body.split(b"&"):
            name, _sep, value = pair.partition(b"=")
            try:
                for part in (name, value):
                    unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                names.append(unquote_to_bytes(name).decode("utf-8", "replace"))
        return names
    return [name for name in formdata if any("\ufffd" in value for value in formdata.getlist(name))]


def new_submission_id() -> str:
    """Return a fresh submission id (a random UUID) for a form being rendered."""
    return str(uuid.uuid4())


def submission_from_form(form: QuestionnaireForm, questionnaire: Questionnaire, *, language: str,
                         channel: str = "self", comune_id: int | None = None,
                         service: str | None = None, distribution_point_id: int | None = None,
                         panel_code_id: int | None = None) -> Submission:
    """Turn a validated form into a :class:`Submission`.

    :param comune_id: the round's comune when the form did not ask for it.
    :param service: the round's service when the form did not ask for it.
    """
    answers: dict[str, int | None] = {}
    not_answered = []
    for item in questionnaire.items:
        raw = form[item_field_name(item.id)].data
        if raw in (None, "", NOT_ANSWERED):
            not_answered.append(item.id)  # skipped online (optional items only) or blank on paper
            continue
        answers[item.id] = None if raw == DONT_KNOW else int(raw)
    if "comune" in form and form.comune.data:
        comune_id = int(form.comune.data)
    if "service" in form and form.service.data:
        service = form.service.data
    role = form.role.data if "role" in form and form.role.data else None
    comment = (form.comment.data or "").strip() or None if "comment" in form else None
    if "channel" in form:
        channel = form.channel.data
    return Submission(
        submission_id=form.submission_id.data,
        answers=answers,
        not_answered=tuple(not_answered),
        comune_id=comune_id,
        service=service,
        role=role,
        comment=comment,
        language=language,
        channel=channel,
        distribution_point_id=distribution_point_id,
        panel_code_id=panel_code_id,
    )
