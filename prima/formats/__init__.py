"""PRIMA's date formats (FORMAT_MODULE_PATH), over Django's for each language: a moment names its
clock (`T`: WIB, WITA, WIT), since volunteers and patients live in three zones; reminders/clocks.py
puts a patient's moments on the patient's clock."""
