"""Sage Intacct XML Web Services: the connector (hook, client, XML wire format). See README.md in this folder."""
