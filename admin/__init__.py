"""The web application: inbox, mailroom, admin console, public form, JSON API."""
