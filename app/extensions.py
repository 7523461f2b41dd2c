"""Flask extensions, created unbound; ``create_app`` binds them."""

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from app.core.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()

# The base of every model. Type checkers cannot see through ``db.Model`` (an attribute made at
# run time), so they are shown the declarative base it is made from.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
