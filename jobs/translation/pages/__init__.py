"""Translation in the browser: ordering from a job's page, the translation page."""
