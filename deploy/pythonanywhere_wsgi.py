"""PythonAnywhere: paste this into the WSGI configuration file (Web tab → "WSGI configuration file").

Replace USERNAME; the folder is where you cloned the project. The `.env` there holds PONDOK_*.
PythonAnywhere runs it under uWSGI with several worker processes and no background threads: each
worker builds the app on its first request, and a form submission is flushed by the worker that took
it, right after the answer (no thread, no tick needed for the resident's WhatsApp confirmation).
"""
import os
import sys

PROJECT = "/home/USERNAME/pondok-sheets"
sys.path.insert(0, PROJECT)
os.chdir(PROJECT)  # so `.env`, credentials.json and instance/ are found

from main import app as application  # noqa: E402

application.check_settings()  # a wrong PONDOK_* value stops the reload here, named in the error log
