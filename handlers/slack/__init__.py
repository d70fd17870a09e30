"""The Slack adapter (slack-bolt): `adapter.py` is what serve and doctor see; `run.py` starts it in Socket
Mode or HTTP mode; `app.py` holds the listeners; `render.py` turns a reply into Block Kit."""
