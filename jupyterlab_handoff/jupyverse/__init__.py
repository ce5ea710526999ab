"""jupyterlab-handoff's jupyverse module (see main.py). Imported only by
jupyverse, which brings fps and jupyverse_api."""
