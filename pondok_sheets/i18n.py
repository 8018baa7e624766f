"""Click's own messages ("Usage:", "Error: Missing argument", "Aborted!") in Bahasa Indonesia.

How click looks its messages up: each click module does `from gettext import gettext as _`
(and `from gettext import ngettext` in core, exceptions, parser and types), so every message
goes through the *standard library's* module-level functions, which read the process-wide
default domain (`messages`) chosen from LANGUAGE/LC_ALL/LANG. Setting those, or calling
`gettext.textdomain()` / `gettext.install()` / `locale.setlocale()`, would change every other
library in the process too, and would depend on the host's environment.

So `install()` does something narrower: it loads our compiled catalogue
(`locale/id/LC_MESSAGES/click.mo`) into one `gettext.GNUTranslations` and rebinds the names
`_` and `ngettext` *inside each click module* that imported them to that object's bound
methods. The modules that do so in click 8.1-8.5 are listed in `CLICK_MODULES`; any other
click module already imported is patched as well if it holds the stdlib functions. Nothing
outside click changes, and `uninstall()` puts the stdlib functions back (tests use it).

Some click strings are built when a command is *declared* (a `click.Path`'s "file", the help
of `confirmation_option`), so call `install()` before the command modules are imported.
The help of `--help` and every error are looked up when shown, so those follow at once.
Usage placeholders ("[OPTIONS]", "TEXT") are attributes, not messages: `localize_usage(cli)`.

Click's `confirm()` shows "[y/N]" (not marked for translation) and accepts only y/yes/n/no;
`confirm()` here is the Indonesian one: "[y/T]", accepting ya/y/yes and tidak/t/n/no.
"""
from __future__ import annotations

import gettext
import importlib
import sys
from pathlib import Path
from types import ModuleType

import click

DOMAIN = "click"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# The click modules with `from gettext import gettext as _` (and, for some, `ngettext`).
# `_winconsole` does too, but only imports on Windows; it is patched if it is loaded.
CLICK_MODULES = (
    "click.core", "click.decorators", "click.exceptions", "click.formatting", "click.parser",
    "click.shell_completion", "click.termui", "click._termui_impl", "click.types", "click.utils",
)
YES = frozenset({"y", "ya", "yes", "iya"})
NO = frozenset({"t", "tidak", "n", "no", "tdk", "nggak", "enggak"})

# Click's type names, upper-cased into option placeholders ("--catatan TEXT"); choices and
# date-times render their own placeholders and keep them.
METAVARS = {
    "text": "TEKS", "integer": "ANGKA", "integer range": "ANGKA", "float": "DESIMAL",
    "float range": "DESIMAL", "boolean": "YA/TIDAK", "path": "JALUR", "file": "BERKAS",
    "filename": "BERKAS", "directory": "FOLDER", "berkas": "BERKAS", "folder": "FOLDER",
    "jalur": "JALUR", "uuid": "UUID",
}

_originals: dict[tuple[str, str], object] = {}


def load_catalogue(language: str = "id") -> gettext.GNUTranslations:
    """The compiled click catalogue for `language`; raises FileNotFoundError when it is missing."""
    translation = gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[language])
    assert isinstance(translation, gettext.GNUTranslations)
    return translation


def _click_modules() -> list[ModuleType]:
    for name in CLICK_MODULES:
        importlib.import_module(name)
    return [module for name, module in sorted(sys.modules.items())
            if (name == "click" or name.startswith("click.")) and module is not None]


def install(language: str = "id") -> None:
    """Make click's messages Indonesian in this process, leaving every other library's alone."""
    translation = load_catalogue(language)
    replacements = {"_": translation.gettext, "ngettext": translation.ngettext}
    stdlib = {"_": gettext.gettext, "ngettext": gettext.ngettext}
    for module in _click_modules():
        for attr, replacement in replacements.items():
            current = module.__dict__.get(attr)
            if current is stdlib[attr] or (module.__name__, attr) in _originals:
                _originals.setdefault((module.__name__, attr), stdlib[attr])
                setattr(module, attr, replacement)


def uninstall() -> None:
    """Give click back the standard library's gettext functions (English messages)."""
    for (module_name, attr), original in _originals.items():
        module = sys.modules.get(module_name)
        if module is not None:
            setattr(module, attr, original)
    _originals.clear()


def is_installed() -> bool:
    """Whether click currently speaks Indonesian in this process."""
    return bool(_originals)


def localize_usage(command: click.Command) -> None:
    """Indonesian placeholders in usage lines and help: `[OPSI]`, `PERINTAH [ARGUMEN]...`, `TEKS`."""
    # Click builds these from attributes, not through gettext, so a catalogue cannot reach them.
    if command.options_metavar == "[OPTIONS]":
        command.options_metavar = "[OPSI]"
    for param in command.params:
        if isinstance(param, click.Option) and param.metavar is None and not param.is_flag:
            placeholder = METAVARS.get(param.type.name)
            if placeholder is not None:
                param.metavar = placeholder
    if isinstance(command, click.Group):
        if command.subcommand_metavar in ("COMMAND [ARGS]...", "COMMAND1 [ARGS]... [COMMAND2 [ARGS]...]..."):
            command.subcommand_metavar = "PERINTAH [ARGUMEN]..."
        for sub in command.commands.values():
            localize_usage(sub)


def parse_yes_no(answer: str, default: bool | None = None) -> bool:
    """Read a staff member's yes/no answer; raise click.UsageError (in Indonesian) otherwise."""
    word = answer.strip().lower()
    if word in YES:
        return True
    if word in NO:
        return False
    if word == "" and default is not None:
        return default
    raise click.UsageError("jawab y (ya) atau t (tidak).")


def confirm(text: str, default: bool | None = False, abort: bool = False, err: bool = False) -> bool:
    """Ask a yes/no question in Indonesian: `[y/T]`, accepting ya/y/yes and tidak/t/n/no."""
    hint = "y/t" if default is None else ("Y/t" if default else "y/T")
    answer = click.prompt(text, default="" if default is not None else None, show_default=False,
                          prompt_suffix=f" [{hint}]: ", err=err,
                          value_proc=lambda value: parse_yes_no(value, default))
    if abort and not answer:
        raise click.Abort()
    return bool(answer)
