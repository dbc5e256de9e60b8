"""Forms of the operators' round pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

KIND_LABELS = {
    "ex-ante": _l("Ex ante (prima dell'intervento)"),
    "in-itinere": _l("In itinere (a metà percorso)"),
    "ex-post": _l("Ex post (alla fine)"),
    "follow-up": _l("Follow-up (dopo la fine)"),
}
STATUS_LABELS = {
    "draft": _l("In preparazione"),
    "open": _l("Aperta"),
    "paused": _l("Sospesa"),
    "closed": _l("Chiusa"),
}
#: how a response reached the database, in words (Response.channel codes)
CHANNEL_LABELS = {
    "self": _l("Da solo/a, online"),
    "assisted": _l("Con l'aiuto di un operatore"),
    "paper": _l("Questionario cartaceo"),
    "odk": _l("ODK (raccolta offline)"),
}
STATUS_ACTIONS = {
    "open": _l("Apri"),
    "paused": _l("Sospendi"),
    "closed": _l("Chiudi"),
}


class NewRoundForm(FlaskForm):
    """Create a round of a chosen questionnaire; comune and service choices are set by the view."""

    label = StringField(_l("Nome della rilevazione (facoltativo)"), validators=[Optional(), Length(max=120)],
                        description=_l("Per esempio: «CDD e CSE, autunno 2022»."))
    kind = SelectField(_l("Momento della rilevazione"),
                       choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()], validators=[InputRequired()])
    opens_on = DateField(_l("Data di apertura"), validators=[Optional()],
                         description=_l("Vuoto: aperta da subito."))
    closes_on = DateField(_l("Data di chiusura"), validators=[Optional()],
                          description=_l("Ultimo giorno in cui si può rispondere."))
    comune = SelectField(_l("Solo per un Comune"), validators=[Optional()])
    service = SelectField(_l("Solo per un servizio"), validators=[Optional()])
    expected_respondents = IntegerField(_l("Persone che pensate di raggiungere"),
                                        validators=[Optional(), NumberRange(min=1, max=100000)],
                                        description=_l("Serve a calcolare il tasso di risposta."))
    follow_up = BooleanField(_l("Follow-up di un Piano concluso (dopo la fine del suo periodo)"),
                             description=_l("Le rilevazioni di follow-up non entrano nel giudizio del Piano, "
                                            "salvo scelta esplicita del valutatore."))
    is_panel = BooleanField(_l("Rilevazione con tessera (abbinamento prima/dopo)"))
    panel = SelectField(_l("Gruppo di tessere"), validators=[Optional()],
                        description=_l("Per la rilevazione finale scegli lo stesso gruppo della rilevazione iniziale."))

    def validate_closes_on(self, field):
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_l("La chiusura deve venire dopo l'apertura."))


class PointForm(FlaskForm):
    label = StringField(_l("Nome del punto di distribuzione"), validators=[InputRequired(), Length(max=120)],
                        description=_l("Per esempio: «CDD Lovere — bacheca» o «SAD Costa Volpino — visite domiciliari»."))


class StatusForm(FlaskForm):
    """A status button: the target status travels in the URL."""


class CloseForm(FlaskForm):
    """The button of the page confirming a closure: only that page sends ``confirmed=1``."""

    confirmed = HiddenField()


class PanelCodesForm(FlaskForm):
    count = IntegerField(_l("Quante tessere stampare"), default=30,
                         validators=[InputRequired(), NumberRange(min=1, max=500)])


class OfflineImportForm(FlaskForm):
    """A CSV export of ODK Central or KoboToolbox with the answers of the round's XLSForm."""

    file = FileField(_l("File CSV esportato da ODK Central o KoboToolbox"),
                     validators=[FileRequired(_l("Scegli un file.")),
                                 FileAllowed(["csv", "txt"], _l("Il file deve essere un .csv."))])
    check_only = BooleanField(_l("Controlla soltanto"),
                              description=_l("Il file viene controllato riga per riga ma non si salva nulla."))
