"""Sphinx configuration for fasttile's documentation site.

Build (warnings are errors, as in .ci/run):  sphinx-build -W --keep-going -b html docs docs/_build/html
Needs `pip install ".[docs]"`; the pictures are drawn by the installed fasttile when the
docs build (the gallery, the layout guide), so they always show the current kernel.
"""

from __future__ import annotations

import sys
from pathlib import Path

import fasttile

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

project = "fasttile"
author = "the fasttile developers"
copyright = "the fasttile developers"  # noqa: A001 (Sphinx's name)
version = release = fasttile.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
    "api_from_all",  # docs/_ext: the API pages, one per name in fasttile.__all__
    "layout_figures",  # docs/_ext: the layout guide's pictures, drawn by fasttile
    "options",  # docs/_ext: the render-option table (hook for fasttile.options)
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "gallery/GALLERY_HEADER.rst"]
templates_path = ["_templates"]
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]
# README-style Markdown pages link to source files relative to the repository: those
# are not documents of this site.
suppress_warnings = ["myst.xref_missing"]

autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True}
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
napoleon_numpy_docstring = True
napoleon_google_docstring = False

# No intersphinx: CI has no network, and a failed inventory fetch is a warning (an error under -W).

sphinx_gallery_conf = {
    "examples_dirs": "gallery",
    "gallery_dirs": "generated/gallery",
    "filename_pattern": r"plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": ("matplotlib",),
    "only_warn_on_example_error": False,  # a gallery script that fails fails the build
    "show_memory": False,
    "plot_gallery": "True",
}

html_theme = "pydata_sphinx_theme"
html_title = f"fasttile {release}"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_show_sourcelink = False
