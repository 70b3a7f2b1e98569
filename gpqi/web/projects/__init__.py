"""QI projects: the programme's shared register of improvement projects, their PDSA cycles and
the annotations marked on practices' charts, with every change kept (docs/qi-projects.md). The
rules of who may edit and see what are gpqi.access.projects'."""
