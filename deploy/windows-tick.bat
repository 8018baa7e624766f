@echo off
rem Windows Task Scheduler: run every 5 minutes ("Create Task" -> Triggers: Daily, repeat every 5 minutes
rem for 1 day; Actions: Start a program -> this file). Adjust the folder below.
cd /d C:\pondok-sheets
.venv\Scripts\python.exe main.py tick >> instance\tick.log 2>&1
