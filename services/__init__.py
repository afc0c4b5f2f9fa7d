"""Use cases that the web app (admin/) and the CLI (eingang/) both run.

Each function takes plain values, does the work in one place and raises a German error a
caller shows as it is; neither the web app nor the CLI writes these steps a second time.
"""
