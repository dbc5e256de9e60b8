"""Forms of the login and user administration pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField
from wtforms.validators import Email, InputRequired, Length, Optional

from survey_app.accounts.operations import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

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


#: the value of the Ambito choice that makes an installation-wide admin
ALL_AMBITI = "*"


def ambito_choices(ambiti) -> list[SelectChoice]:
    """The Ambito drop-down of an installation-wide admin: one Ambito, or every one by name."""
    return ([SelectChoice("", _l("Scegli…"))] + [SelectChoice(a.code, a.name) for a in ambiti]
            + [SelectChoice(ALL_AMBITI, _l("Tutti gli Ambiti (solo amministratori)"))])


class NewUserForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Ruolo"), choices=role_choices(), validators=[InputRequired()])
    #: only on the page of an installation-wide admin; others create users of their own Ambito
    ambito = SelectField(_l("Ambito"), validators=[InputRequired(_l("Scegli l'Ambito dell'utente."))])
    password = PasswordField(
        _l("Password iniziale"),
        description=_l("Almeno %(n)d caratteri, anche una frase con spazi; non una delle password più "
                       "usate. Lascia vuoto per generarne una.", n=MIN_PASSWORD_LENGTH),
        # length and strength are checked by create_user, which says what is wrong
        validators=[Optional(), Length(max=MAX_PASSWORD_LENGTH * 4)],
    )


class EditUserForm(FlaskForm):
    role = SelectField(_l("Ruolo"), choices=role_choices(), validators=[InputRequired()])
    ambito = SelectField(_l("Ambito"), validators=[InputRequired(_l("Scegli l'Ambito dell'utente."))])
    is_active = BooleanField(_l("Attivo"))
