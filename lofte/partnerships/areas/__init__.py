"""The area pages under /omraden/ (namespace areas): riket, the län and kommuner with their parts, and on a
kommun's page the upload of its districts, RegSO or DeSO from GeoJSON and their removal, for those who manage a
partnership there. They live above `lofte.areas` because they ask `partnerships.access` who may change what;
the areas themselves, their geometry and the actions that change them stay in `lofte/areas/`."""
