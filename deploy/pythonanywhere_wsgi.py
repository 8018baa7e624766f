"""PythonAnywhere: paste this into the WSGI configuration file (Web tab → "WSGI configuration file").

Replace USERNAME; the folder is where you cloned the project. The `.env` there holds PONDOK_*.
"""
import os
import sys

PROJECT = "/home/USERNAME/pondok-sheets"
sys.path.insert(0, PROJECT)
os.chdir(PROJECT)  # so `.env`, credentials.json and instance/ are found

from main import app as application  # noqa: E402,F401
