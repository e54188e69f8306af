"""Finding English on a page meant to be in Indonesian: its visible text, word by word, against
the admin's English words. Shared by the page tests and the browser test."""
import re
from html.parser import HTMLParser

# Words of Django's admin and of ours that an Indonesian page must not show, and English's
# small words, which give away an untranslated sentence. None of them is also Indonesian.
ENGLISH_WORDS = {
    "Add", "Save", "Change", "Delete", "Search", "Home", "Log", "out", "Patients", "Patient", "Reminders",
    "Reminder", "Messages", "Message", "Replies", "Reply", "Today", "Compliance", "History", "Welcome", "View",
    "site", "Action", "Go", "Select", "Show", "all", "Yes", "No", "Unknown", "Name", "Phone", "Volunteer",
    "Verification", "Verified", "Pending", "Opted", "Active", "Sent", "Missed", "Confirmed", "Cancel", "Record",
    "Call", "Open", "Handled", "Mark", "Send", "Notes", "Time", "Kind", "Medication", "Appointment", "Days",
    "Monday", "Next", "Last", "Previous", "Outcome", "Received", "Urgent", "Schedule", "Schedules", "Django",
    "administration", "the", "and", "of", "to", "for", "with", "is", "was", "not", "by", "at", "yet", "here",
    "this", "your", "you", "please",
}
_WORD = re.compile(r"[A-Za-z]+")


class _VisibleText(HTMLParser):
    """The text a reader sees: not scripts, styles, or what is hidden from everyone."""

    HIDDEN = {"script", "style", "template", "noscript", "svg"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.hidden_depth = 0  # elements open inside a hidden one
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        if tag in self.VOID:
            if tag == "input" and attributes.get("type") in ("submit", "button") and not self.hidden_depth:
                self.parts.append(attributes.get("value") or "")
            return
        hidden = tag in self.HIDDEN or "hidden" in attributes or "display: none" in (attributes.get("style") or "")
        if self.hidden_depth or hidden:
            self.hidden_depth += 1

    def handle_endtag(self, tag) -> None:
        if self.hidden_depth and tag not in self.VOID:
            self.hidden_depth -= 1

    def handle_data(self, data) -> None:
        if not self.hidden_depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def english_words(text: str) -> set[str]:
    return set(_WORD.findall(text)) & ENGLISH_WORDS
