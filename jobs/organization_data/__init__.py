"""An organization's data as a whole: how long media is kept (retention), an export of
everything it has, and deleting everything it has. Owners only
(``Capability.ORGANIZATION_DATA``)."""
