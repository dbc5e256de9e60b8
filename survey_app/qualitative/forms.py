"""Forms of the qualitative pages: a session and its material (and its details alone, to edit
them), a theme, coding a passage of a session or a comment, publishing a passage, taking a
theme off a passage, deleting a session or a theme.

The forms check what a person can fix on the page; :mod:`survey_app.qualitative.operations`
checks everything again.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from survey_app.localtime import to_local
from survey_app.models import utcnow
from survey_app.models.qualitative import (
    MAX_FACILITATOR_LENGTH,
    MAX_THEME_NAME_LENGTH,
    MAX_TITLE_LENGTH,
)
from survey_app.qualitative.operations import (
    MAX_DESCRIPTION_LENGTH,
    MAX_PARTICIPANTS,
    MAX_PUBLISHED_LENGTH,
)
from survey_app.qualitative.queries import (
    CONSENT_METHOD_LABELS,
    PARTICIPANT_ROLE_LABELS,
    SESSION_KIND_LABELS,
)
from survey_app.rounds.forms import KIND_LABELS


def _strip(text):
    return text.strip() if isinstance(text, str) else text


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes (the template renders each in a labelled row of a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


#: the kind of session, made before :class:`SessionDetailsForm`'s fields so that it comes first
#: in :class:`SessionForm` (WTForms orders fields by when they were made, and the list of errors
#: at the top of the page follows the page's order)
_KIND_FIELD = RadioField(_l("Tipo di incontro"),
                         choices=[SelectChoice(k, v) for k, v in SESSION_KIND_LABELS.items()],
                         validators=[InputRequired(_l("Scegli il tipo di incontro."))])


class SessionDetailsForm(FlaskForm):
    """What a session records about itself, without its kind and material: the form that edits a
    session recorded already (its text cannot change, see :func:`operations.update_session`)."""

    title = StringField(_l("Titolo"), filters=[_strip],
                        validators=[DataRequired(_l("Scrivi un titolo.")), Length(max=MAX_TITLE_LENGTH)],
                        description=_l("Per esempio: «Focus group con i caregiver del CDD di Lovere». "
                                       "Senza nomi di partecipanti."))
    held_on = DateField(_l("Data dell'incontro"), validators=[InputRequired(_l("Indica la data dell'incontro."))])
    timing = SelectField(_l("Momento della valutazione"),
                         choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()],
                         validators=[InputRequired()])
    facilitator = StringField(_l("Chi ha condotto l'incontro"), filters=[_strip],
                              validators=[DataRequired(_l("Scrivi chi ha condotto l'incontro.")),
                                          Length(max=MAX_FACILITATOR_LENGTH)],
                              description=_l("Il ruolo o il nome di chi conduceva, per esempio «assistente "
                                             "sociale dell'Ufficio di Piano»; non i partecipanti."))
    participants = IntegerField(_l("Numero di partecipanti"),
                                validators=[InputRequired(_l("Indica quante persone hanno partecipato.")),
                                            NumberRange(min=1, max=MAX_PARTICIPANTS)])
    participant_roles = CheckboxesField(_l("Ruoli dei partecipanti"),
                                        choices=[SelectChoice(k, v) for k, v in PARTICIPANT_ROLE_LABELS.items()],
                                        validators=[DataRequired(_l("Indica almeno un ruolo dei partecipanti."))],
                                        description=_l("Solo le categorie: nessun nome."))
    consent = RadioField(_l("Consenso dei partecipanti raccolto"),
                         choices=[SelectChoice("yes", _l("Sì")), SelectChoice("no", _l("No"))],
                         validators=[InputRequired(_l("Indica se il consenso è stato raccolto."))],
                         description=_l("Senza consenso i passaggi dell'incontro non si possono citare nei rapporti."))
    consent_method = SelectField(_l("Come è stato raccolto il consenso"),
                                 choices=[SelectChoice("", _l("— scegli —"))]
                                 + [SelectChoice(k, v) for k, v in CONSENT_METHOD_LABELS.items()])

    def validate_held_on(self, field):
        # said here too, next to the field, rather than only by the operation at the top
        if field.data and field.data > to_local(utcnow()).date():
            raise ValidationError(_l("La data dell'incontro non può essere nel futuro."))

    def validate_consent_method(self, field):
        if self.consent.data == "yes" and not field.data:
            raise ValidationError(_l("Indica come è stato raccolto il consenso."))
        if self.consent.data == "no" and field.data:
            raise ValidationError(_l("Il modo del consenso si indica solo se il consenso è stato raccolto."))


class SessionForm(SessionDetailsForm):
    """A new interview, focus group or workshop, with its notes or its transcript."""

    kind = _KIND_FIELD
    material = RadioField(_l("Materiale"), choices=[SelectChoice("notes", _l("Appunti scritti qui")),
                                                    SelectChoice("transcript", _l("Trascrizione da file"))],
                          default="notes", validators=[InputRequired()])
    notes = TextAreaField(_l("Appunti"), description=_l("Un paragrafo per riga: i paragrafi saranno numerati."))
    transcript = FileField(_l("File della trascrizione (.txt, .docx o .pdf)"),
                           description=_l("Si conserva solo il testo, non il file. Un PDF deve avere il testo "
                                          "selezionabile (non una scansione)."))

    def validate_notes(self, field):
        if self.material.data == "notes" and not (field.data or "").strip():
            raise ValidationError(_l("Scrivi gli appunti, o scegli «Trascrizione da file»."))

    def validate_transcript(self, field):
        if self.material.data == "transcript" and not getattr(field.data, "filename", ""):
            raise ValidationError(_l("Scegli il file della trascrizione."))


class ThemeForm(FlaskForm):
    """A theme of the objective's codebook, new or edited (the parent's choices are set by the
    view)."""

    name = StringField(_l("Nome del tema"), filters=[_strip],
                       validators=[DataRequired(_l("Scrivi il nome del tema.")), Length(max=MAX_THEME_NAME_LENGTH)])
    description = TextAreaField(_l("Descrizione"), filters=[_strip], validators=[Length(max=MAX_DESCRIPTION_LENGTH)],
                                description=_l("Che cosa rientra nel tema: aiuta a codificare allo stesso modo."))
    parent = SelectField(_l("Tema superiore"), validators=[Optional()],
                         description=_l("Vuoto: un tema principale."))


class PassageForm(FlaskForm):
    """A passage of a session's text (pasted, or paragraphs, or both) and its themes."""

    excerpt = TextAreaField(_l("Passaggio"), description=_l(
        "Incolla il testo esatto del passaggio; oppure lascia vuoto e indica i paragrafi. "
        "Se il testo compare più volte, indica anche i paragrafi."))
    first_paragraph = IntegerField(_l("Dal paragrafo"), validators=[Optional(), NumberRange(min=1)])
    last_paragraph = IntegerField(_l("Al paragrafo"), validators=[Optional(), NumberRange(min=1)])
    themes = CheckboxesField(_l("Temi"), coerce=int, validators=[DataRequired(_l("Scegli almeno un tema."))])

    def validate_excerpt(self, field):
        if not (field.data or "").strip() and self.first_paragraph.data is None and self.last_paragraph.data is None:
            raise ValidationError(_l("Incolla il passaggio o indica i paragrafi."))


class CommentCodingForm(FlaskForm):
    """Themes of one free comment (the whole comment, or a passage of it)."""

    response_id = HiddenField(validators=[InputRequired()])
    excerpt = TextAreaField(_l("Solo questo passaggio (facoltativo)"),
                            description=_l("Vuoto: tutto il commento."))
    themes = CheckboxesField(_l("Temi"), coerce=int, validators=[DataRequired(_l("Scegli almeno un tema."))])


class PublishForm(FlaskForm):
    """The text a report may quote of a passage (empty: withdraw the publication)."""

    published_text = TextAreaField(_l("Testo da pubblicare"), filters=[_strip],
                                   validators=[Length(max=MAX_PUBLISHED_LENGTH)],
                                   description=_l("Togli o sostituisci nomi, luoghi e dettagli che fanno "
                                                  "riconoscere qualcuno, per esempio «[nome]». Il passaggio "
                                                  "originale resta com'è. Vuoto: non si cita."))


class UncodeForm(FlaskForm):
    """Take one theme off a passage."""

    theme_id = HiddenField(validators=[InputRequired()])


class DeleteSessionForm(FlaskForm):
    """Delete a session recorded by mistake, after ticking the confirmation."""

    confirm = CheckboxesField(_l("Conferma"), choices=[SelectChoice("yes", _l(
        "Elimina l'incontro, il suo testo e i passaggi codificati"))],
        validators=[DataRequired(_l("Spunta la conferma per eliminare l'incontro."))])


class DeleteThemeForm(FlaskForm):
    """Delete a theme of the codebook (its CSRF token only: the operation says when it cannot)."""
