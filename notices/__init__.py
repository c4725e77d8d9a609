"""What Sinergi tells people: notice kinds, and their text from templates (Bahasa Indonesia
first, English when the person chose it). Pure: no I/O beyond reading the packaged templates."""
