# SPDX-License-Identifier: GPL-2.0
# Sphinx configuration for compactlab's documentation (make htmldocs).
project = 'compactlab'
copyright = 'The compactlab developers'
master_doc = 'index'
exclude_patterns = ['ABI']
html_theme = 'alabaster'
