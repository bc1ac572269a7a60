"""Cell tags that keep a notebook's cell out of every report: apart from render, so that publishing
(which honours them too) does not load papermill and nbconvert."""

REMOVED_TAGS = ("remove-cell", "parameters", "injected-parameters")
