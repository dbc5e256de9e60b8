"""Forms of the set-aside page: what to set aside and why; which set-aside to revoke."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from survey_app.models.set_asides import MAX_REASON_LENGTH

#: how the browser's ``datetime-local`` input sends a time
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def _hour(moment):
    return moment.replace(minute=0, second=0, microsecond=0)


class SetAsideForm(FlaskForm):
    """A window of local hours, a distribution point (choices set by the view) or both, and the reason."""

    window_start = DateTimeLocalField(_l("Dalle ore"), format=LOCAL_FORMAT, validators=[Optional()],
                                      description=_l("Ora italiana; si conta dall'inizio di quell'ora."))
    window_end = DateTimeLocalField(_l("Alle ore"), format=LOCAL_FORMAT, validators=[Optional()],
                                    description=_l("Ora italiana; si conta fino alla fine di quell'ora."))
    point = SelectField(_l("Punto di distribuzione"), validators=[Optional()],
                        description=_l("Vuoto: qualunque punto, link generale compreso."))
    reason = TextAreaField(_l("Motivo"), filters=[lambda text: text.strip() if text else text], validators=[
        DataRequired(message=_l("Scrivi il motivo: resta nel registro attività.")),
        Length(max=MAX_REASON_LENGTH)],
        description=_l("Per esempio: «120 risposte in 2 minuti dallo stesso punto, segnalate dall'allarme»."))

    def validate_window_end(self, field):
        if bool(field.data) != bool(self.window_start.data):
            raise ValidationError(_l("Indica sia l'inizio sia la fine dell'intervallo, o nessuno dei due."))
        if field.data and _hour(field.data) < _hour(self.window_start.data):  # one hour: the same twice
            raise ValidationError(_l("La fine dell'intervallo deve venire dopo l'inizio."))

    def validate_point(self, field):
        if not field.data and not self.window_start.data and not self.window_end.data:
            raise ValidationError(_l("Indica un intervallo di ore, un punto di distribuzione o entrambi."))


class RevokeForm(FlaskForm):
    """Bring back the responses of one set-aside."""

    set_aside_id = HiddenField(validators=[InputRequired()])
