"""Places, events and memories: where and when, offline.

geocoder   GPS position -> town, first-level region, country (GeoNames, no network)
store      file places in the catalog (searchable words), the library's places with counts
events     the timeline cut into events (a day out, a weekend away), inferred places
memories   "on this day": photos from this date in earlier years
"""
