"""MkDocs hooks of this site: doctest examples in docstrings rendered as code.

Sphinx roles (``:func:`~x.y` ``) become code spans. The docstrings carry bare doctest lines (``>>> df.attrs["aihubmix"]["source"]``), not fenced
blocks; Markdown would read ``["a"]["b"]`` there as reference links. A small Markdown preprocessor,
registered before mkdocstrings builds its own Markdown, wraps each run of doctest lines (and their
output, up to a blank line) in a ``pycon`` fence.
"""

from __future__ import annotations

import re
from typing import Any

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from mkdocs.plugins import event_priority

_PROMPT = re.compile(r"^(\s*)>>>( |$)")
#: Sphinx roles in the docstrings (``:func:`~a.b.c` ``) shown as code: the last part with ``~``.
_ROLE = re.compile(r":(?:func|class|meth|mod|data|attr|exc|obj):`(~?)([^`]+)`")


def _role(match: re.Match[str]) -> str:
    short, target = match.groups()
    return f"`{target.rsplit('.', 1)[-1] if short else target}`"


_FENCE = re.compile(r"^\s*(```|~~~)")


class _DoctestFence(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        fenced = False
        in_doctest = False
        indent = ""
        for line in lines:
            if in_doctest and not line.strip():
                out.append(f"{indent}```")
                in_doctest = False
            if not in_doctest and _FENCE.match(line):
                fenced = not fenced
            elif not fenced and not in_doctest and (match := _PROMPT.match(line)):
                indent = match.group(1)
                out.extend(["", f"{indent}```pycon"])
                in_doctest = True
            elif not fenced and not in_doctest:
                line = _ROLE.sub(_role, line)
            out.append(line)
        if in_doctest:
            out.append(f"{indent}```")
        return out


class DoctestFenceExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # Markdown's API name
        md.preprocessors.register(_DoctestFence(md), "doctest_fence", 40)  # before fenced_code (25)


@event_priority(100)  # before mkdocstrings reads the extensions
def on_config(config: Any) -> Any:
    config.markdown_extensions.append(DoctestFenceExtension())
    return config
