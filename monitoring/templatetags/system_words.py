"""`{{ key|key_in_words }}`: a rate-limit or lock key in a coordinator's words (monitoring/words.py)."""
from django import template

from monitoring.words import key_in_words

register = template.Library()
register.filter("key_in_words", key_in_words)
