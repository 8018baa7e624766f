"""The flow: intake → queue → sync (read → plan → announce → write back), and the jobs that run it.

Faces (web pages, CLI commands, serve's scheduler) call these modules; these call the rules,
the stores, the messengers and local state, all reached through an Office.
"""
