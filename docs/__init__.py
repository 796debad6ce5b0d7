"""Documentation package: lets `python -m docs.tools.<name>` run the doc generators."""
