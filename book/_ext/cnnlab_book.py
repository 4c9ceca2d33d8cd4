"""A local Sphinx extension for the course book.

Sphinx-thebe registers its inline configuration script (``const THEBE_JS_URL =
...``) once per read of the sources, and Jupyter Book's build ends up with the
same tag twice on notebook pages: the second one throws "Identifier
'THEBE_JS_URL' has already been declared" in the browser. This extension drops
exact duplicate ``<script>`` entries from every page before it is written.
"""

from __future__ import annotations


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = tuple(sorted(getattr(script, "attributes", {}).items()))
        key = (getattr(script, "filename", None) or None, attributes)  # None and "" alike
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
