"""Forms of the login and user administration pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField
from wtforms.validators import Email, InputRequired, Length, Optional

from survey_app.accounts.operations import MIN_PASSWORD_LENGTH

ROLE_LABELS = {
    "admin": _l("Amministratore"),
    "operator": _l("Operatore"),
    "evaluator": _l("Valutatore"),
}


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=1024)])


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(role, label) for role, label in ROLE_LABELS.items()]


class NewUserForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Ruolo"), choices=role_choices(), validators=[InputRequired()])
    password = PasswordField(
        _l("Password iniziale"),
        description=_l("Almeno %(n)d caratteri. Lascia vuoto per generarne una.", n=MIN_PASSWORD_LENGTH),
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=1024)],
    )


class EditUserForm(FlaskForm):
    role = SelectField(_l("Ruolo"), choices=role_choices(), validators=[InputRequired()])
    is_active = BooleanField(_l("Attivo"))
