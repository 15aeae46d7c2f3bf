"""The master data imports for go-live (`o2c import items|customers|contracts|
powers-of-attorney`), on the shared import plumbing (`service.imports`): each row group becomes
the API's request body and goes through the API's use case, so a file is checked as a request
is; a rerun finds what was booked by its code or number."""
