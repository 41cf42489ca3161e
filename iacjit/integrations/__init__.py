"""Integrations with code hosts: posting the pull-request comment (``iacjit comment``).

Pure functions turn CI variables into a target and decide what to send; one small urllib
client (http.py) talks to the REST APIs. No third-party HTTP library: CI images have Python,
and the surface is four requests.
"""
