# Django's Indonesian formats, with hours of two digits as schedules write them (07.25) and the zone named.
DATETIME_FORMAT = "j N Y, H.i T"
TIME_FORMAT = "H.i"
