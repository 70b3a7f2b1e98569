"""The monthly meeting pack from the web app: the download on the home, practice and network
pages (`/packs/?focus=...&month=YYYY-MM`, for the signed-in user's access) and `gpqi pack` (for
the audience the command names). Both build the same `PackDocument` (`build.py`) from
gpqi.access.pack and lay it out with gpqi.reports.pack."""
