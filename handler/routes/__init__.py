"""HTTP routes: thin functions that parse, call ``handler.service`` and format."""
