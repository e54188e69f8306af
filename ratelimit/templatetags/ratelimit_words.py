"""`{{ key|key_in_words }}`: a key as the project puts it in words for people, by the function
RATE_LIMIT_KEY_WORDS names (a dotted path); the key as it is without one. The limiter knows
keys, not what they count."""
from django import template
from django.conf import settings
from django.utils.module_loading import import_string

register = template.Library()


@register.filter
def key_in_words(key: str) -> str:
    path = getattr(settings, "RATE_LIMIT_KEY_WORDS", "")
    return import_string(path)(key) if path else key
