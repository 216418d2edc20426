"""The web dashboard behind WebServer.py (Python 3, ``pip install "CryoCore[web]"``).

Nothing is imported here: the app (``_app``) pulls in Starlette only when it is used.
"""
