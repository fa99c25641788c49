"""Interactive terminal UI (Textual) over the run engine and the store.

``homog`` with no command, or ``homog tui``, opens it through
:func:`homog_local.tui.app.run_app`.
"""
