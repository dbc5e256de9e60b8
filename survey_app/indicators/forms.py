"""Forms of the indicator pages; the choices of indicators, semesters and comuni are set by the view."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from survey_app.indicators.display import KIND_LABELS
from survey_app.indicators.importing import InvalidValue, parse_value
from survey_app.models.indicators import MAX_NOTE_LENGTH, MAX_SOURCE_LENGTH, MAX_TEXT_LENGTH

#: offered in the source field (the user may type any other)
SUGGESTED_SOURCES = (
    "Cartella Sociale Informatizzata",
    "Flusso di rendicontazione regionale",
    "Verbali dei tavoli",
    "Protocollo dell'Ambito",
    "Registro dell'Ufficio di Piano",
)


class RecordForm(FlaskForm):
    """One value of an indicator in a semester, for the Ambito or a comune."""

    indicator = SelectField(_l("Indicatore"), validators=[InputRequired()])
    semester = SelectField(_l("Semestre"), validators=[InputRequired()])
    comune = SelectField(_l("Comune"), validators=[Optional()],
                         description=_l("«Tutto l'Ambito» per il dato complessivo; un Comune per il suo dato."))
    kind = SelectField(_l("Tipo di valore"), choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()],
                       validators=[InputRequired()],
                       description=_l("Ogni indicatore ha un solo tipo: usa lo stesso per tutti i semestri."))
    value = StringField(_l("Valore"), validators=[InputRequired(), Length(max=MAX_TEXT_LENGTH)],
                        description=_l("Un numero (12 o 12,5, senza separatore delle migliaia), una percentuale "
                                       "da 0 a 100, «sì» o «no», oppure un breve testo."))
    source = StringField(_l("Fonte (facoltativa)"), validators=[Optional(), Length(max=MAX_SOURCE_LENGTH)],
                         render_kw={"list": "fonti-suggerite", "autocomplete": "off"},
                         description=_l("Per esempio: Cartella Sociale Informatizzata, flusso di rendicontazione "
                                        "regionale."))
    note = TextAreaField(_l("Nota (facoltativa)"), validators=[Optional(), Length(max=MAX_NOTE_LENGTH)],
                         render_kw={"rows": 3})
    #: the version of the stored value the user saw, when correcting it
    replaces = HiddenField()

    parsed_value = None

    def validate_value(self, field):
        if self.kind.data not in KIND_LABELS:
            return
        try:
            self.parsed_value = parse_value(self.kind.data, field.data)
        except InvalidValue as exc:
            raise ValidationError(str(exc)[:1].upper() + str(exc)[1:] + ".") from exc


class ImportForm(FlaskForm):
    file = FileField(_l("File CSV o Excel (.xlsx)"),
                     validators=[FileRequired(_l("Scegli un file.")),
                                 FileAllowed(["csv", "txt", "xlsx"], _l("Il file deve essere .csv o .xlsx."))])
