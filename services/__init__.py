"""Services: what a request asks of Sinergi, the same for the JSON API and the pages.

A router or a page parses, checks the caller's role and answers; the service runs the rules
and talks to Postgres and Temporal. Refusals are `DomainError`s, which both map to an answer.
"""
