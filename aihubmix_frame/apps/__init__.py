"""The notebook apps shipped inside the package, found where the package is installed."""

from __future__ import annotations

from pathlib import Path

__all__ = ["CATALOG_ENV", "app_notebook"]

#: Which catalog the app notebook loads: ``snapshot`` (the bundled one, the default) or ``live``
#: (``load_catalog()`` with its fallbacks). ``aihubmix-frame app`` sets it for the kernel.
CATALOG_ENV = "AIHUBMIX_APP_CATALOG"


def app_notebook() -> Path:
    """The catalog explorer app (picker, cost explorer, price map) as a notebook file.

    >>> app_notebook().name, app_notebook().is_file()
    ('app.ipynb', True)
    """
    return Path(__file__).with_name("app.ipynb")
