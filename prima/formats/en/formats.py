# Django's English formats, with the zone named.
DATETIME_FORMAT = "N j, Y, P T"
