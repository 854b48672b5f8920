"""Open311 GeoReport v2 at /open311/v2/: partner systems report EST incidents with an API key and follow them.

`views` (the endpoints, their parameters and errors), `queries` (the requests, as precise as the key's
organisation may see them), `keys` (the key's form, its hash and `verify`), `actions` (creating and revoking keys,
run by the `lofte apikey` command) and `urls`.
"""
